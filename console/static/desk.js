// The desk's own behaviour: scanning with a tablet's camera (where the browser allows it:
// a secure context with getUserMedia), and closing a preview. What a scan reads goes through
// the same scan form as a USB scanner's keystrokes (console.js).
(function () {
  "use strict";

  //: How often a frame is decoded: often enough to feel instant, rarely enough for a tablet.
  var DECODE_EVERY_MS = 150;
  var stream = null;
  var timer = null;

  function cameraAvailable() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) &&
      typeof window.jsQR === "function";
  }

  function dialog() { return document.getElementById("camera"); }

  function stop() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); stream = null; }
    var open = dialog();
    if (open && open.open) open.close();
  }

  function submit(text) {
    var box = document.querySelector("input[data-scan]");
    if (!box || !box.form) return;
    box.value = window.healthPoints ? window.healthPoints.normalizeScan(text) : text.trim();
    if (box.value) box.form.requestSubmit();
  }

  function decode(video, canvas) {
    if (!stream) return;
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) {
        stop();
        submit(found.data);
        return;
      }
    }
    timer = setTimeout(function () { decode(video, canvas); }, DECODE_EVERY_MS);
  }

  function start() {
    var box = dialog();
    var video = box.querySelector("video");
    var canvas = box.querySelector("canvas");
    var status = box.querySelector("[data-camera-status]");
    status.textContent = status.dataset.looking;
    box.showModal();
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        return video.play();
      })
      .then(function () { decode(video, canvas); })
      .catch(function () { status.textContent = status.dataset.refused; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-camera]");
    if (button && cameraAvailable()) button.hidden = false;
    var box = dialog();
    if (box) box.addEventListener("close", stop);
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : null;
    if (!target) return;
    if (target.closest("[data-camera]")) { start(); return; }
    if (target.closest("[data-camera-close]")) { stop(); return; }
    var dismiss = target.closest("[data-dismiss]");
    if (dismiss) {
      var result = document.getElementById("result");
      if (result) result.innerHTML = "";
    }
  });
})();
