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
// Live events (job progress and results) over the account's websocket,
// shown as toasts; one toast per job, updated in place. Reconnects with
// backoff up to 30 s.
(function () {
  var area = document.getElementById("event-toasts");
  if (!area || !window.WebSocket) return;
  var delay = 1000;

  function toastFor(event) {
    var id = "job-" + event.jobid;
    var toast = document.getElementById(id);
    if (!toast) {
      toast = document.createElement("div");
      toast.id = id;
      toast.className = "toast";
      toast.setAttribute("role", "status");
      toast.innerHTML = '<div class="toast-header"><i class="bi me-2"></i><strong class="me-auto"></strong>' +
        '<button type="button" class="btn-close" data-bs-dismiss="toast" aria-label="Close"></button></div>' +
        '<div class="toast-body"><div class="event-message"></div>' +
        '<div class="progress mt-2" role="progressbar"><div class="progress-bar progress-bar-striped progress-bar-animated"></div></div>' +
        '<a class="event-link d-none mt-2 d-inline-block">View</a></div>';
      area.appendChild(toast);
    }
    return toast;
  }

  function show(event) {
    if (event.kind !== "job") return;
    var toast = toastFor(event);
    var pending = event.status === "pending";
    toast.querySelector("strong").textContent = event.command;
    toast.querySelector(".event-message").textContent = event.message;
    toast.querySelector(".toast-header i").className = "bi me-2 bi-" +
      (pending ? "hourglass-split" : event.status === "succeeded" ? "check-circle text-success" : "x-circle text-danger");
    toast.classList.toggle("border-danger", event.status === "failed");
    var progress = toast.querySelector(".progress");
    progress.classList.toggle("d-none", !pending);
    progress.firstChild.style.width = Math.max(event.progress || 0, 10) + "%";
    var link = toast.querySelector(".event-link");
    link.classList.toggle("d-none", !event.url);
    if (event.url) link.href = event.url;
    toast.dataset.status = event.status;
    var previous = bootstrap.Toast.getInstance(toast);
    if (previous) previous.dispose();
    new bootstrap.Toast(toast, { autohide: !pending, delay: 8000 }).show();
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + area.dataset.eventsPath);
    socket.onopen = function () { delay = 1000; };
    socket.onmessage = function (message) { show(JSON.parse(message.data)); };
    socket.onclose = function (closed) {
      if (closed.code === 4401) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
