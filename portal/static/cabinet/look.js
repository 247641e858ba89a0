// The portal-look page: re-post the form into the preview frame as the owner
// types (the "Show in the preview" button does the same without script).
(function () {
  "use strict";
  var form = document.getElementById("look-form");
  var button = document.getElementById("refresh-preview");
  if (!form || !button) {
    return;
  }
  var timer = null;
  function refresh() {
    timer = null;
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(button);
    } else {
      button.click();
    }
  }
  function later() {
    if (timer !== null) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(refresh, 300);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  button.hidden = true;
})();
