// Acknowledging flags without a page reload (progressive enhancement: every form with class
// `flag-ack-form` works as a plain POST without this file). The form is sent with fetch(),
// submission token included (FormData takes every field, also those outside the form that
// name it with form="…"). The server answers with a fragment: redrawn `[data-flag-block]`
// elements (an element of the page with the same id is replaced; a block without id replaces
// the form's closest `[data-flag-block]`, or the form itself) and one message with
// role="status" (role="alert" for a refusal), which is shown in #flag-ack-status and focused.
// No inline script anywhere: the Content Security Policy stays strict. The words of the one
// message written here come translated from the page, in the script tag's `data-failed`
// ("{status}" stands for the HTTP status).
(function () {
  "use strict";

  var script = document.currentScript;
  var failed = (script && script.dataset.failed) ||
    "Not acknowledged (the server answered {status}). Reload the page and try again.";

  function statusRegion(form) {
    var region = document.getElementById("flag-ack-status");
    if (!region) {
      region = document.createElement("div");
      region.id = "flag-ack-status";
      var main = document.querySelector("main") || document.body;
      main.insertBefore(region, main.firstChild);
    }
    return region;
  }

  function showMessage(form, message) {
    var region = statusRegion(form);
    region.replaceChildren(message);
    if (!message.hasAttribute("tabindex")) message.setAttribute("tabindex", "-1");
    message.focus();
  }

  function apply(form, html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var fragment = template.content;
    var message = fragment.querySelector("[role=status], [role=alert]");
    if (message) message.remove();
    var own = form.closest("[data-flag-block]");
    fragment.querySelectorAll("[data-flag-block]").forEach(function (block) {
      var target = block.id ? document.getElementById(block.id) : own || form;
      if (target) target.replaceWith(block);
    });
    if (message) showMessage(form, message);
  }

  function submit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("flag-ack-form")) return;
    if (!window.fetch || !window.FormData) return; // the browser posts the form itself
    event.preventDefault();
    if (form.dataset.sending === "1") return; // a second click while the first is on its way
    form.dataset.sending = "1";
    var buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    var done = function () {
      delete form.dataset.sending;
      buttons.forEach(function (b) { b.disabled = false; });
    };
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "text/html-fragment" },
    })
      .then(function (response) {
        if (response.headers.get("X-Fragment") !== "flag-ack") {
          done();
          if (response.redirected) {
            // A replayed submission or a signed-out session: show that page as a whole.
            window.location.assign(response.url);
            return;
          }
          var alert = document.createElement("p");
          alert.className = "alert alert-danger mb-2";
          alert.setAttribute("role", "alert");
          alert.textContent = failed.replace("{status}", String(response.status));
          showMessage(form, alert);
          return;
        }
        return response.text().then(function (html) {
          done();
          apply(form, html);
        });
      })
      .catch(function () {
        done();
        form.submit(); // network trouble: fall back to the plain POST
      });
  }

  document.addEventListener("submit", submit);
})();
