// The co-branding studio: approved copy fills its slot, and "Attach to a campaign" sends
// the text as typed (the preview form's values copied into the attach form's fields).
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-for]");
    if (!button) return;
    var input = document.getElementById(button.dataset.copyFor);
    input.value = button.textContent.trim();
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  });
  document.addEventListener("submit", function (event) {
    if (event.target.id !== "attach-form") return;
    event.target.querySelectorAll("[data-mirror]").forEach(function (hidden) {
      hidden.value = document.getElementById(hidden.dataset.mirror).value;
    });
  });
})();
