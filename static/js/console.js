// The console window: noVNC's RFB client connected to the console proxy
// with a single-use token. The proxy has already authenticated to the VNC
// server, so no password is asked for or known here.
import RFB from "../vendor/novnc/core/rfb.js";
import KeyTable from "../vendor/novnc/core/input/keysym.js";
import keysyms from "../vendor/novnc/core/input/keysymdef.js";

const screen = document.getElementById("console-screen");
const status = document.getElementById("console-status");
const message = document.getElementById("console-message");
const reconnect = document.getElementById("console-reconnect");
const controls = ["console-cad", "console-paste-toggle"].map((id) => document.getElementById(id));
let rfb = null;
let token = screen.dataset.token;
let closing = false;

function setStatus(state, text, style) {
  status.dataset.state = state;
  status.textContent = text;
  status.className = "badge text-bg-" + style;
  controls.forEach((button) => { button.disabled = state !== "connected"; });
}

function explain(text) {
  message.textContent = text;
  message.classList.toggle("d-none", !text);
}

// After a disconnect, ask the server what became of the session: the proxy
// refuses a token by dropping the connection, and records why a session ended.
async function whyDisconnected() {
  try {
    const answer = await fetch(screen.dataset.statusUrl + "?" + new URLSearchParams({ token }));
    return (await answer.json()).message;
  } catch (error) {
    return "The console proxy could not be reached.";
  }
}

function connect() {
  explain("");
  setStatus("connecting", "Connecting…", "secondary");
  const url = new URL(screen.dataset.websocketUrl);
  url.searchParams.set("token", token);
  rfb = new RFB(screen, url.href);
  rfb.scaleViewport = true;
  rfb.addEventListener("connect", () => {
    setStatus("connected", "Connected", "success");
    rfb.focus();
  });
  rfb.addEventListener("disconnect", async () => {
    rfb = null;
    setStatus("disconnected", "Disconnected", "danger");
    reconnect.classList.remove("d-none");
    if (!closing) explain(await whyDisconnected());
  });
  rfb.addEventListener("securityfailure", (event) => explain("Security negotiation failed: " + event.detail.reason));
}

// Reconnect: every connection needs a new token, issued to the signed-in user.
reconnect.addEventListener("click", async () => {
  if (!screen.dataset.reconnectUrl) {
    explain("Sign in to the portal and open the console from the instance to reconnect.");
    return;
  }
  reconnect.disabled = true;
  try {
    const answer = await fetch(screen.dataset.reconnectUrl, {
      method: "POST", headers: { "X-CSRFToken": screen.dataset.csrfToken }, credentials: "same-origin",
    });
    const body = await answer.json();
    if (!answer.ok) {
      explain(body.error || "A new console session could not be opened.");
      return;
    }
    token = body.token;
    reconnect.classList.add("d-none");
    connect();
  } finally {
    reconnect.disabled = false;
  }
});

document.getElementById("console-cad").addEventListener("click", () => rfb && rfb.sendCtrlAltDel());

document.getElementById("console-fullscreen").addEventListener("click", () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else screen.requestFullscreen();
});

// Paste: type the text as keystrokes. VNC servers map keysyms through a
// US layout, so shifted characters are sent with Shift held.
const SHIFTED = new Set('~!@#$%^&*()_+{}|:"<>?ABCDEFGHIJKLMNOPQRSTUVWXYZ');

function typeText(text) {
  for (const character of text.replace(/\r\n?/g, "\n")) {
    if (character === "\n") {
      rfb.sendKey(KeyTable.XK_Return, "Enter");
      continue;
    }
    const keysym = keysyms.lookup(character.codePointAt(0));
    const shift = SHIFTED.has(character);
    if (shift) rfb.sendKey(KeyTable.XK_Shift_L, "ShiftLeft", true);
    rfb.sendKey(keysym);
    if (shift) rfb.sendKey(KeyTable.XK_Shift_L, "ShiftLeft", false);
  }
}

document.getElementById("console-paste").addEventListener("submit", (event) => {
  event.preventDefault();
  const field = document.getElementById("console-paste-text");
  if (rfb && field.value) {
    typeText(field.value);
    field.value = "";
    rfb.focus();
  }
});

window.addEventListener("beforeunload", () => {
  closing = true;
  if (rfb) rfb.disconnect();
});

connect();
