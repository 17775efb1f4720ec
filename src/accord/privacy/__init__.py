"""Privacy at the point of disclosure: opt-outs, minimisation, pseudonyms, safe counts.

Public face: :func:`disclose_in` (a node's disclosure of one of its datasets, each
person disclosed recorded in its audit log, with :class:`Share` and :class:`Shared`)
over :func:`disclose` (one extract through the opt-out registers that apply,
minimised and pseudonymised, to a Parquet file; :func:`disclosed_rows` in memory, and
:func:`prepare_disclosure` once for many lookups, run by :meth:`Prepared.rows`);
:func:`reidentify_in` (recorded) over
:func:`pseudonym` and :func:`reidentify` (the controller's side of agreement-scoped
pseudonyms); the opt-out schemes (:data:`SCHEMES`, :func:`register_scheme`,
:func:`ruling`, and their words for people: :data:`SCHEME_TEXTS`, :func:`scheme_text`,
:class:`SchemeText`), the register in the store (:func:`register_opt_out` and
:func:`withdraw_opt_out` by staff, :func:`register_own_opt_out` and
:func:`withdraw_own_opt_out` by the person, all recorded; :func:`opted_out`,
:func:`count_opt_outs`, :func:`load_registers`), the
pseudonymisation keys (:func:`current_key_version`, :func:`rotate_key`,
:func:`retire_key`), disclosure control (:data:`PRESETS`, :func:`protect`, :func:`protect_csv`,
:func:`k_anonymity`), the models and the errors under :class:`PrivacyError`. Inside:
``optouts`` (rules), ``keys`` (the node secret and what derives from it),
``disclosure`` (the pure query), ``service`` (on a node, recorded), ``control``,
``repository`` (the store's tables).
"""

from accord.privacy.control import (
    PRESETS,
    Preset,
    Protected,
    Published,
    k_anonymity,
    protect,
    protect_csv,
)
from accord.privacy.disclosure import (
    Prepared,
    Registers,
    RowIndex,
    disclose,
    disclosed_rows,
    prepare_disclosure,
    pseudonym,
    reidentify,
)
from accord.privacy.errors import (
    BadExtract,
    BadTable,
    KeyNotFound,
    NotSelfService,
    PrivacyError,
    UnknownScheme,
)
from accord.privacy.keys import read_secret, write_secret
from accord.privacy.models import (
    Disclosed,
    Disclosure,
    KAnonymity,
    LawfulBasis,
    Minimisation,
    OptOutRuling,
    Output,
    RowFilter,
    RowOperator,
    SchemeText,
    Treatment,
)
from accord.privacy.optouts import SCHEME_TEXTS, SCHEMES, register_scheme, ruling, scheme_text
from accord.privacy.repository import (
    count_opt_outs,
    current_key_version,
    live_versions,
    load_registers,
    opted_out,
    register_opt_out,
    register_own_opt_out,
    retire_key,
    rotate_key,
    withdraw_opt_out,
    withdraw_own_opt_out,
)
from accord.privacy.service import Share, Shared, disclose_in, reidentify_in

__all__ = [
    "PRESETS",
    "SCHEMES",
    "SCHEME_TEXTS",
    "BadExtract",
    "BadTable",
    "Disclosed",
    "Disclosure",
    "KAnonymity",
    "KeyNotFound",
    "LawfulBasis",
    "Minimisation",
    "NotSelfService",
    "OptOutRuling",
    "Output",
    "Prepared",
    "Preset",
    "PrivacyError",
    "Protected",
    "Published",
    "Registers",
    "RowFilter",
    "RowIndex",
    "RowOperator",
    "SchemeText",
    "Share",
    "Shared",
    "Treatment",
    "UnknownScheme",
    "count_opt_outs",
    "current_key_version",
    "disclose",
    "disclose_in",
    "disclosed_rows",
    "k_anonymity",
    "live_versions",
    "load_registers",
    "opted_out",
    "prepare_disclosure",
    "protect",
    "protect_csv",
    "pseudonym",
    "read_secret",
    "register_opt_out",
    "register_own_opt_out",
    "register_scheme",
    "reidentify",
    "reidentify_in",
    "retire_key",
    "rotate_key",
    "ruling",
    "scheme_text",
    "withdraw_opt_out",
    "withdraw_own_opt_out",
    "write_secret",
]
