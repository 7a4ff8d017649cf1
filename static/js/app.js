// Action forms load into the shared modal through HTMX; show it when they arrive.
document.addEventListener("htmx:afterSwap", function (event) {
  if (event.detail.target.id === "action-modal-content") {
    bootstrap.Modal.getOrCreateInstance(document.getElementById("action-modal")).show();
  }
});
// Offer text (a private key) as a file download without sending it anywhere.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-download-from]");
  if (!button) return;
  var text = document.getElementById(button.dataset.downloadFrom).textContent;
  var link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "application/x-pem-file" }));
  link.download = button.dataset.filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
});
