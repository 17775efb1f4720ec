// Starts GOV.UK Frontend's components. Loaded as a module, so it runs only in a browser
// that supports ES modules: exactly the test the page template's inline script makes
// before it sets these two classes (this service's Content Security Policy allows no
// inline script). Without JavaScript every page still works.
import { initAll } from "/assets/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
