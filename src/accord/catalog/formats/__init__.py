"""Export formats: a registry the built-ins (``dcat``, ``datapackage``, ``prov``,
``openlineage``) use as a third party would. One module per format."""

from accord.catalog.formats.registry import ExportFormat, formats, get_format, register_format

__all__ = ["ExportFormat", "formats", "get_format", "register_format"]
