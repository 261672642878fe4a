// Starts GOV.UK Frontend's JavaScript components (service navigation menu,
// notification banners, error summary, and so on).
//
// Loaded as <script type="module"> from templates/base.html. Keep all
// JavaScript in files like this one: the Content-Security-Policy allows no
// inline scripts except the GOV.UK template's own (which carries the nonce).
//
// Source: frontend/js/app.mjs, copied to static/js/app.mjs by frontend/build.sh.

import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();

// htmx swaps in new sections (forms with conditional reveals, error summaries): start their components too.
document.addEventListener("htmx:load", (event) => {
  if (event.target !== document.body) {
    initAll({ scope: event.target });
  }
});
