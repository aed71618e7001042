// Check-in page. Elsewhere: the browser's position (WGS-84) goes into the hidden fields
// and the photo comes from <input type=file capture>. Inside WeCom: the JS-SDK takes the
// photo from the camera only (chooseImage) and the position from getLocation (GCJ-02);
// on any JS-SDK failure the page quietly keeps the plain file input.
(function () {
  "use strict";
  var form = document.getElementById("checkin-form");
  if (!form) { return; }
  var lat = document.getElementById("f-lat");
  var lng = document.getElementById("f-lng");
  var coord = document.getElementById("f-coord");
  var fileInput = document.getElementById("f-photo");

  function setPosition(la, ln, kind) {
    lat.value = Number(la).toFixed(6);
    lng.value = Number(ln).toFixed(6);
    coord.value = kind;
  }

  function browserPosition() {
    if (!navigator.geolocation || lat.value) { return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPosition(pos.coords.latitude, pos.coords.longitude, "wgs84");
    }, function () { /* denied or unavailable: submit without a position */ },
    { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }

  function base64ToFile(data, name) {
    var binary = atob(data.replace(/^data:[^,]*,/, ""));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return new File([bytes], name, { type: "image/jpeg" });
  }

  function useWeCom() {
    var script = document.createElement("script");
    script.src = form.getAttribute("data-jssdk");
    script.onerror = browserPosition;
    script.onload = function () {
      var url = location.href.split("#")[0];
      fetch(form.getAttribute("data-jsconfig") + "?url=" + encodeURIComponent(url),
            { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (cfg) {
          window.wx.config({ beta: true, debug: false, appId: cfg.appId,
            timestamp: cfg.timestamp, nonceStr: cfg.nonceStr, signature: cfg.signature,
            jsApiList: ["chooseImage", "getLocalImgData", "getLocation"] });
          window.wx.error(browserPosition);
          window.wx.ready(function () {
            window.wx.getLocation({ type: "gcj02", success: function (res) {
              setPosition(res.latitude, res.longitude, "gcj02");
            }, fail: browserPosition });
            fileInput.addEventListener("click", function (e) {
              if (!window.DataTransfer) { return; }  // keep the plain input
              e.preventDefault();
              window.wx.chooseImage({ count: 1, sizeType: ["original"], sourceType: ["camera"],
                success: function (res) {
                  window.wx.getLocalImgData({ localId: res.localIds[0], success: function (img) {
                    var dt = new DataTransfer();
                    dt.items.add(base64ToFile(img.localData, "photo.jpg"));
                    fileInput.files = dt.files;
                  } });
                } });
            });
          });
        })
        .catch(browserPosition);
    };
    document.head.appendChild(script);
  }

  // A photo over the cap is refused here, before the upload: the server could not even
  // read the form, and everything typed would be lost. Only the photo is picked again.
  var photoError = document.getElementById("photo-client-error");
  var keptNote = document.getElementById("f-photo-kept");
  var keptToken = document.getElementById("f-photo-token");
  function photoTooLarge() {
    var limit = Number(fileInput.getAttribute("data-max"));
    var file = fileInput.files && fileInput.files[0];
    return Boolean(file && limit && file.size > limit);
  }
  function checkPhoto() {
    var tooLarge = photoTooLarge();
    photoError.hidden = !tooLarge;
    photoError.firstElementChild.textContent = tooLarge ?
      fileInput.getAttribute("data-too-large") : "";
    if (tooLarge) {
      fileInput.value = "";
    } else if (fileInput.files && fileInput.files.length && keptNote) {
      keptNote.hidden = true;  // a new photo replaces the kept one
      keptToken.value = "";
    }
    return !tooLarge;
  }
  if (fileInput && photoError) {
    fileInput.addEventListener("change", checkPhoto);
    form.addEventListener("submit", function (e) {
      if (e.submitter && e.submitter.value === "search") { return; }
      if (photoTooLarge()) { checkPhoto(); }
      if (!photoError.hidden) {  // the refused photo has not been replaced yet
        e.preventDefault();
        e.stopImmediatePropagation();
        photoError.scrollIntoView({ block: "center" });
      }
    }, true);
  }

  // Opened from the emulator's phone (the demo): the place picked there, as
  // "#zs-location=lat,lng,coord".
  var picked = /[#&]zs-location=(-?[\d.]+),(-?[\d.]+),(wgs84|gcj02)/.exec(location.hash);
  if (picked && !lat.value) {
    setPosition(picked[1], picked[2], picked[3]);
  } else if (/wxwork/i.test(navigator.userAgent) && form.getAttribute("data-jssdk")) {
    useWeCom();
  } else {
    browserPosition();
  }
})();
