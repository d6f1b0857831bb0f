// App Bridge as the local Shopify serves it: shopify.idToken() (real HS256 session tokens,
// from the admin page around the iframe, or from the stand-in when the page runs on its own),
// shopify.toast.show(), fetch() with the session token and one retry on an invalid session,
// the bounce page (/auth/session-token?shopify-reload=...), and the app's navigation menu and
// title shown in the admin. Only the app's own origin and the stand-in's are trusted.
(function () {
  "use strict";
  var script = document.currentScript;
  var standIn = new URL(script.src).origin;
  var meta = document.querySelector('meta[name="shopify-api-key"]');
  var params = new URLSearchParams(window.location.search);
  var framed = window.parent !== window;
  var pending = {};
  var counter = 0;
  var originalFetch = window.fetch.bind(window);

  function remembered(name) {
    var value = params.get(name);
    try {
      if (value) { window.sessionStorage.setItem("shopify-" + name, value); }
      return value || window.sessionStorage.getItem("shopify-" + name);
    } catch (error) { return value; }
  }

  var config = {
    apiKey: (script.dataset && script.dataset.apiKey) || (meta && meta.content) || "",
    shop: remembered("shop"),
    host: remembered("host"),
    locale: remembered("locale") || document.documentElement.lang || "es"
  };

  function post(message) { window.parent.postMessage(message, standIn); }

  function tokenFromAdmin() {
    // Asked again every second in case the admin was not listening yet; then given up.
    return new Promise(function (resolve, reject) {
      var id = ++counter;
      var asked = 0;
      var timer = setInterval(ask, 1000);
      function ask() {
        if (asked++ < 3) { post({ type: "sbx:id-token", id: id }); return; }
        clearInterval(timer);
        delete pending[id];
        reject(new Error("the admin did not answer"));
      }
      pending[id] = function (token) {
        clearInterval(timer);
        if (token) { resolve(token); } else { reject(new Error("no session token")); }
      };
      ask();
    });
  }

  function tokenFromStandIn() {
    var url = standIn + "/standin/session-token?shop=" + encodeURIComponent(config.shop || "");
    return originalFetch(url, { credentials: "omit" }).then(function (response) {
      if (!response.ok) { throw new Error("no session token for this shop"); }
      return response.json();
    }).then(function (body) { return body.token; });
  }

  function idToken() {
    return framed ? tokenFromAdmin().catch(tokenFromStandIn) : tokenFromStandIn();
  }

  function showToast(message, options) {
    options = options || {};
    if (framed) {
      post({ type: "sbx:toast", message: String(message), isError: !!options.isError, duration: options.duration });
    } else {
      var toast = document.createElement("div");
      toast.setAttribute("role", "status");
      toast.setAttribute("data-testid", "toast");
      toast.style.cssText = "position:fixed;left:50%;bottom:32px;transform:translateX(-50%);padding:10px 16px;" +
        "border-radius:10px;color:#fff;z-index:2147483647;background:" + (options.isError ? "#8e1f0b" : "#1a1a1a");
      toast.textContent = String(message);
      document.body.appendChild(toast);
      setTimeout(function () { toast.remove(); }, Math.max(1000, Number(options.duration) || 5000));
    }
    return "toast-" + (++counter);
  }

  function redirectTop(url) {
    if (framed) { post({ type: "sbx:redirect-top", url: url }); } else { window.location.assign(url); }
  }

  function sameApp(target) {
    try { return new URL(target, window.location.href).origin === window.location.origin; }
    catch (error) { return false; }
  }

  function send(input, init, force) {
    return idToken().then(function (token) {
      var request = input instanceof Request ? input.clone() : input;
      var headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
      if (force || !headers.has("Authorization")) { headers.set("Authorization", "Bearer " + token); }
      if (!headers.has("Accept-Language")) { headers.set("Accept-Language", config.locale); }
      return originalFetch(request, Object.assign({}, init, { headers: headers }));
    });
  }

  window.fetch = function (input, init) {
    var target = input instanceof Request ? input.url : String(input);
    if (!sameApp(target)) { return originalFetch(input, init); }
    return send(input, init, false).then(function (response) {
      if (response.status === 401 && response.headers.get("X-Shopify-Retry-Invalid-Session-Request") === "1") {
        return send(input, init, true);
      }
      return response;
    }).then(function (response) {
      var reauthorize = response.headers.get("X-Shopify-API-Request-Failure-Reauthorize-Url");
      if (reauthorize) { redirectTop(reauthorize); }
      return response;
    });
  };

  function navigate(href) {
    var url = new URL(href, window.location.href);
    if (url.origin !== window.location.origin) { return; }
    ["shop", "host", "locale"].forEach(function (name) {
      if (!url.searchParams.has(name) && config[name]) { url.searchParams.set(name, config[name]); }
    });
    url.searchParams.set("embedded", "1");
    window.location.assign(url.toString());
  }

  function announce() {
    if (!framed) { return; }
    var menu = document.querySelector("s-app-nav, ui-nav-menu");
    if (menu) {
      var links = menu.querySelectorAll("a[href], s-link[href]");
      post({ type: "sbx:nav", items: Array.prototype.filter.call(links, function (link) {
        return link.getAttribute("rel") !== "home";
      }).map(function (link) {
        return { label: link.textContent.trim(), href: new URL(link.getAttribute("href"), window.location.href).pathname };
      }) });
    }
    var page = document.querySelector("s-page[heading], ui-title-bar[title]");
    post({ type: "sbx:title", title: page ? (page.getAttribute("heading") || page.getAttribute("title")) : document.title });
    post({ type: "sbx:location", path: window.location.pathname });
  }

  function bounce() {
    var reload = params.get("shopify-reload");
    var target;
    try { target = new URL(reload, window.location.href); } catch (error) { return; }
    if (!reload || target.origin !== window.location.origin) { return; }
    idToken().then(function (token) {
      target.searchParams.set("id_token", token);
      window.location.replace(target.toString());
    });
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== standIn || event.source !== window.parent) { return; }
    var data = event.data || {};
    if (data.type === "sbx:id-token" && pending[data.id]) { pending[data.id](data.token); delete pending[data.id]; }
    if (data.type === "sbx:navigate") { navigate(String(data.href)); }
  });

  window.shopify = {
    config: config,
    environment: { embedded: framed, mobile: false, pos: false },
    idToken: idToken,
    toast: { show: showToast }
  };

  if (/\/auth\/session-token\/?$/.test(window.location.pathname)) { bounce(); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", announce); }
  else { announce(); }
  document.addEventListener("htmx:afterSettle", announce);
})();
