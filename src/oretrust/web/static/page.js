// The little script the pages use (served from this origin; the CSP forbids inline script).
// Everything works without it: it only adds a print button and a size check before upload.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const print = document.querySelector("[data-action=print]");
  if (print) print.addEventListener("click", () => window.print());

  const form = document.querySelector("form.verify");
  if (!form) return;
  const limit = Number(form.dataset.maxBytes);
  const error = document.getElementById("size-error");
  form.addEventListener("submit", (event) => {
    let size = 0;
    for (const input of form.querySelectorAll("input[type=file]")) {
      for (const file of input.files) size += file.size;
    }
    if (limit && size > limit) {
      event.preventDefault();
      error.textContent = form.dataset.tooBig;
      error.hidden = false;
      error.focus();
    }
  });
});
