/*
 * The admin's one hand-written script.
 * - Every htmx request carries `Authorization: Bearer <App Bridge ID token>` (App Bridge only
 *   patches fetch(); htmx uses XMLHttpRequest). idToken() is async, so requests are held in
 *   htmx:confirm until the token is there.
 * - A 401 with X-Shopify-Retry-Invalid-Session-Request: 1 is retried once with a fresh token.
 * - 422 answers (forms with errors) swap into their target; other 4xx/5xx show a banner.
 * - HX-Trigger {"toast": {"message": "...", "kind": "success|error"}} shows a toast.
 * No data comes from inline scripts: texts come from data-* attributes on <body>.
 */
(function () {
  "use strict";

  var RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request";
  var REAUTHORIZE_HEADER = "X-Shopify-API-Request-Failure-Reauthorize-Url";
  var BANNER_MARKER = "data-app-banner";
  var TOAST_SECONDS = 5;
  var requestState = new WeakMap(); // element -> {token, issueRequest, retried}

  htmx.config.withCredentials = false;
  htmx.config.selfRequestsOnly = true;
  htmx.config.allowEval = false;
  htmx.config.allowScriptTags = false;
  htmx.config.includeIndicatorStyles = false;
  htmx.config.reportValidityOfForms = true; // the browser says which required field is empty
  htmx.config.timeout = 30000;
  htmx.config.historyCacheSize = 0;
  htmx.config.refreshOnHistoryMiss = true;
  htmx.config.historyRestoreAsHxRequest = false;
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true },
    { code: "[45]..", swap: true, error: true, target: "#app-errors", swapOverride: "innerHTML" },
    { code: "...", swap: false }
  ];

  function appBridge() {
    return window.shopify && typeof window.shopify.idToken === "function" ? window.shopify : null;
  }

  function text(name) {
    return document.body.getAttribute("data-text-" + name) || "";
  }

  function showBanner(message) {
    var region = document.getElementById("app-errors");
    if (!region) return;
    var banner = document.createElement("div");
    banner.className = "banner banner--critical";
    banner.setAttribute("role", "alert");
    banner.setAttribute(BANNER_MARKER, "");
    var paragraph = document.createElement("p");
    paragraph.textContent = message;
    banner.appendChild(paragraph);
    region.replaceChildren(banner);
  }

  function showToast(message, kind) {
    var bridge = appBridge();
    if (bridge && bridge.toast && typeof bridge.toast.show === "function") {
      bridge.toast.show(message, { isError: kind === "error" });
      return;
    }
    var region = document.getElementById("app-toasts");
    if (!region) return;
    var toast = document.createElement("div");
    toast.className = "toast toast--" + (kind === "error" ? "error" : "success");
    toast.textContent = message;
    region.appendChild(toast);
    window.setTimeout(function () { toast.remove(); }, TOAST_SECONDS * 1000);
  }

  function sendWithFreshToken(elt, issueRequest, retried) {
    appBridge().idToken().then(function (token) {
      requestState.set(elt, { token: token, issueRequest: issueRequest, retried: retried });
      issueRequest(true);
    }, function () {
      showBanner(text("session-error"));
    });
  }

  document.addEventListener("htmx:confirm", function (event) {
    if (!appBridge()) return; // outside the admin: the server answers 401 and a banner says so
    event.preventDefault();
    if (event.detail.question && !window.confirm(event.detail.question)) return;
    sendWithFreshToken(event.detail.elt, event.detail.issueRequest, false);
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var state = requestState.get(event.detail.elt);
    if (state) event.detail.headers["Authorization"] = "Bearer " + state.token;
    event.detail.headers["Accept-Language"] = document.documentElement.lang || "es";
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var xhr = detail.xhr;
    if (xhr.status === 401) {
      var reauthorizeUrl = xhr.getResponseHeader(REAUTHORIZE_HEADER);
      if (reauthorizeUrl) {
        detail.shouldSwap = false;
        window.open(reauthorizeUrl, "_top");
        return;
      }
      var elt = detail.requestConfig && detail.requestConfig.elt;
      var state = elt && requestState.get(elt);
      if (xhr.getResponseHeader(RETRY_HEADER) === "1" && state && !state.retried && appBridge()) {
        detail.shouldSwap = false;
        detail.isError = false;
        sendWithFreshToken(elt, state.issueRequest, true);
        return;
      }
    }
    if (xhr.status >= 400 && xhr.status !== 422 && String(xhr.response).indexOf(BANNER_MARKER) === -1) {
      detail.shouldSwap = false; // not one of our banners (a proxy page, say): show a plain one
      showBanner(text(xhr.status === 401 ? "session-error" : "server-error"));
    }
  });

  // A successful save makes an earlier error banner stale; loads and polls leave it in place.
  document.addEventListener("htmx:afterRequest", function (event) {
    var region = document.getElementById("app-errors");
    var verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    if (event.detail.successful && region && verb !== "get" && event.detail.target !== region) {
      region.replaceChildren();
    }
  });

  document.addEventListener("htmx:sendError", function () { showBanner(text("network-error")); });
  document.addEventListener("htmx:timeout", function () { showBanner(text("network-error")); });

  document.addEventListener("toast", function (event) {
    if (event.detail && event.detail.message) showToast(event.detail.message, event.detail.kind);
  });

  // <button data-remove-closest="[data-row]"> removes its row; banners use it to dismiss.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-closest]");
    if (!button) return;
    var removable = button.closest(button.getAttribute("data-remove-closest"));
    if (removable) removable.remove();
  });
})();
