/* Starts the vendored Swagger UI on /api/v1/docs (no inline script: the page runs under the CSP).
   "Try it out" sends the session's CSRF token; the spec validator badge (an external host) is off. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var csrfToken = root.getAttribute("data-csrf-token");
  window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    layout: "BaseLayout",
    deepLinking: true,
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    requestInterceptor: function (request) {
      if (csrfToken) { request.headers["X-CSRFToken"] = csrfToken; }
      return request;
    }
  });
})();
