// Registers the service worker on every page (installable app), and on the notification
// settings page turns Web Push on or off for this device with the button marked
// [data-push-toggle] (data-key: the server's VAPID public key; data-subscribe/-unsubscribe:
// where to POST; data-said-on/-off/-failed: what to announce, in the page's language, from the
// template). No inline script: the Content Security Policy stays strict.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) {
    return;
  }
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});

  var button = document.querySelector("[data-push-toggle]");
  if (!button || !("PushManager" in window)) {
    return;
  }
  var status = document.getElementById("push-status");
  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }
  function csrf() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      out[i] = raw.charCodeAt(i);
    }
    return out;
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
    });
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.serviceWorker.ready
      .then(function (registration) {
        return registration.pushManager.getSubscription().then(function (existing) {
          if (existing) {
            return post(button.dataset.unsubscribe, { endpoint: existing.endpoint })
              .then(function () { return existing.unsubscribe(); })
              .then(function () { say(button.dataset.saidOff); });
          }
          return registration.pushManager
            .subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(button.dataset.key) })
            .then(function (subscription) { return post(button.dataset.subscribe, subscription.toJSON()); })
            .then(function () { say(button.dataset.saidOn); });
        });
      })
      .catch(function () {
        say(button.dataset.saidFailed);
      });
  });
})();
