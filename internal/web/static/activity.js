// The QR sign-in screen of an activity page: reload the rotating code every 20 seconds
// and poll the count of sign-ins. The page works without it; the code then only rotates
// on reload.
(() => {
  const img = document.getElementById("qr-image");
  const count = document.getElementById("live-count");
  if (!img || !count) return;
  const refresh = () => {
    img.src = img.dataset.src + "?t=" + Date.now();
    fetch(count.dataset.src, { credentials: "same-origin", cache: "no-store" })
      .then((r) => (r.ok ? r.json() : null))
      .then((d) => { if (d) count.textContent = String(d.attended); })
      .catch(() => {});
  };
  setInterval(refresh, 20000);
  setInterval(() => {
    fetch(count.dataset.src, { credentials: "same-origin", cache: "no-store" })
      .then((r) => (r.ok ? r.json() : null))
      .then((d) => { if (d) count.textContent = String(d.attended); })
      .catch(() => {});
  }, 3000);
})();
