/* Exam-day check-in on a phone (offline tolerant).
   - Scan: the camera through BarcodeDetector when the browser has it; otherwise the code field, which a
     hardware scanner (a keyboard that types the QR text and Enter) or a person fills.
   - Lookup (needs the network): POST {code} → name, masked ID, seat and the registration photo for the
     identity check. Offline, a typed code can still be checked in, with a warning that the photo check
     happens later.
   - Each confirmed check-in is queued in localStorage with a client_id (device id + counter) and POSTed to
     the API; a failed send stays queued and is retried (every 10 s and when the connection returns). The
     server keeps one record per client_id (200 = already stored), so a resend never duplicates.
   No inline script: the page runs under a Content-Security-Policy without 'unsafe-inline'. */
(function () {
  "use strict";
  var root = document.getElementById("checkin");
  if (!root) { return; }
  var room = root.getAttribute("data-room");
  var apiUrl = root.getAttribute("data-api");
  var lookupUrl = root.getAttribute("data-lookup");
  var queueKey = "dudao-checkin-queue:" + room;
  var failedKey = "dudao-checkin-failed:" + room;
  var form = document.getElementById("lookup-form");
  var input = document.getElementById("code");
  var message = document.getElementById("checkin-message");
  var card = document.getElementById("candidate");
  var syncState = document.getElementById("sync-state");
  var current = null; // the code being checked: {code, offline}
  var flushing = false;

  // ---------------------------------------------------------------- storage
  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(key, value) { localStorage.setItem(key, JSON.stringify(value)); }

  function deviceId() {
    var id = localStorage.getItem("dudao-device-id");
    if (!id) {
      var bytes = new Uint8Array(6);
      (window.crypto || window.msCrypto).getRandomValues(bytes);
      id = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      localStorage.setItem("dudao-device-id", id);
    }
    return id;
  }
  function nextClientId() {
    var n = parseInt(localStorage.getItem("dudao-device-counter") || "0", 10) + 1;
    localStorage.setItem("dudao-device-counter", String(n));
    return "dev-" + deviceId() + "-" + n;
  }

  // ---------------------------------------------------------------- messages
  function say(text, kind) {
    message.hidden = !text;
    message.className = "mt-3 alert alert-" + (kind || "info");
    message.textContent = text || "";
  }
  function showSync(note) {
    var n = load(queueKey).length;
    syncState.classList.toggle("is-pending", n > 0);
    syncState.classList.toggle("is-synced", n === 0);
    syncState.textContent = "";
    var icon = document.createElement("i");
    icon.className = "ti me-1 " + (n ? "ti-cloud-upload" : "ti-cloud-check");
    syncState.appendChild(icon);
    syncState.appendChild(document.createTextNode(n ? "待同步 " + n + " 条" + (note ? "(" + note + ")" : "") : "已全部同步"));
  }
  function showFailed() {
    var failed = load(failedKey);
    var box = document.getElementById("failed");
    var list = document.getElementById("failed-list");
    box.hidden = failed.length === 0;
    list.textContent = "";
    failed.forEach(function (item) {
      var li = document.createElement("li");
      li.textContent = (item.label || item.code) + ":" + item.message;
      list.appendChild(li);
    });
  }

  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return root.getAttribute("data-csrf") || (match ? decodeURIComponent(match[1]) : "");
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Accept": "application/json" },
      body: JSON.stringify(body)
    });
  }

  // ---------------------------------------------------------------- candidate card
  function reset() {
    current = null;
    card.hidden = true;
    input.value = "";
    input.focus();
  }
  function setText(id, text) { document.getElementById(id).textContent = text || ""; }

  function showCandidate(data, code) {
    current = { code: code, label: data ? data.name + " " + data.seat + " 号" : code, offline: !data };
    document.getElementById("cand-offline").hidden = !!data;
    var photo = document.getElementById("cand-photo");
    var nophoto = document.getElementById("cand-nophoto");
    if (data && data.photo_url) {
      photo.src = data.photo_url;
      photo.hidden = false;
      nophoto.hidden = true;
    } else {
      photo.removeAttribute("src");
      photo.hidden = true;
      nophoto.hidden = false;
      nophoto.textContent = data ? "无报名照片" : "离线:照片待复核";
    }
    setText("cand-name", data ? data.name : "离线签到");
    setText("cand-id", data ? data.id_number_masked : code);
    setText("cand-seat", data ? data.seat + " 号座位" : "");
    setText("cand-ticket", data && data.ticket_number ? "准考证号 " + data.ticket_number : "");
    setText("cand-status", data && data.checkin ? "已登记:" + data.checkin : "");
    card.hidden = false;
    say("");
  }

  function lookup(code) {
    code = (code || "").trim();
    if (!code) { say("请扫描准考证二维码或输入准考证号/身份证号", "warning"); return; }
    say("正在查找…", "info");
    post(lookupUrl, { code: code }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) { showCandidate(data, code); return; }
        if (response.status >= 500) { showCandidate(null, code); return; }
        card.hidden = true;
        say(data.message || "查找失败(" + response.status + ")", "danger");
      });
    }, function () {
      showCandidate(null, code); // no network: check in by the typed code, photo later
    });
  }

  // ---------------------------------------------------------------- queue and sync
  function enqueue(status) {
    if (!current) { return; }
    var record = {
      code: current.code,
      status: status,
      identity_checked: true,
      client_id: nextClientId(),
      at: new Date().toISOString(),
      label: current.label
    };
    var queue = load(queueKey);
    queue.push(record);
    save(queueKey, queue);
    say((status === "late" ? "迟到已登记:" : "已签到:") + record.label + (current.offline ? "(离线,待同步)" : ""), "success");
    reset();
    flush();
  }

  function drop(clientId) {
    save(queueKey, load(queueKey).filter(function (r) { return r.client_id !== clientId; }));
  }

  function flush() {
    if (flushing) { return; }
    var queue = load(queueKey);
    if (!queue.length) { showSync(); return; }
    flushing = true;
    var record = queue[0];
    var body = { code: record.code, status: record.status, identity_checked: record.identity_checked,
                 client_id: record.client_id, at: record.at };
    post(apiUrl, body).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        flushing = false;
        if (response.status === 200 || response.status === 201) {
          drop(record.client_id);
          document.body.dispatchEvent(new CustomEvent("dudao:synced", { bubbles: true }));
          flush();
          return;
        }
        if (response.status === 401 || response.status === 403 || response.status >= 500) {
          // Kept: a new login (or the server coming back) lets it through later.
          showSync(response.status >= 500 ? "服务器暂不可用,稍后自动重试" : "请重新登录后同步");
          return;
        }
        // Refused for good (not in this room, already recorded otherwise …): say so, do not retry.
        drop(record.client_id);
        var failed = load(failedKey);
        failed.push({ code: record.code, label: record.label, message: data.message || ("错误 " + response.status) });
        save(failedKey, failed);
        showFailed();
        flush();
      });
    }, function () {
      flushing = false;
      showSync("网络中断,联网后自动重试");
    });
  }

  // ---------------------------------------------------------------- camera scan
  var scanBtn = document.getElementById("scan-btn");
  var video = document.getElementById("scan-video");
  var stream = null;
  function stopScan() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    video.hidden = true;
    scanBtn.textContent = "扫码";
  }
  function startScan() {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.hidden = false;
      scanBtn.textContent = "停止扫码";
      video.play();
      (function tick() {
        if (!stream) { return; }
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            stopScan();
            input.value = codes[0].rawValue;
            lookup(codes[0].rawValue);
          } else {
            window.setTimeout(tick, 250);
          }
        }, function () { window.setTimeout(tick, 500); });
      })();
    }, function () {
      say("无法打开摄像头:请允许使用摄像头,或用扫码枪/手动输入", "warning");
    });
  }
  if ("BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    scanBtn.hidden = false;
    scanBtn.addEventListener("click", function () { if (stream) { stopScan(); } else { startScan(); } });
  }

  // ---------------------------------------------------------------- wiring
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    lookup(input.value);
  });
  card.addEventListener("click", function (event) {
    var button = event.target.closest("[data-checkin]");
    if (button) { enqueue(button.getAttribute("data-checkin")); }
  });
  document.getElementById("cand-cancel").addEventListener("click", function () { say(""); reset(); });
  document.getElementById("sync-now").addEventListener("click", flush);
  document.getElementById("failed-clear").addEventListener("click", function () {
    save(failedKey, []);
    showFailed();
  });
  window.addEventListener("online", flush);
  window.setInterval(flush, 10000);
  showFailed();
  flush();
})();
