// The lesson player's progress sampling and the quiz's countdown.
//
// The page counts the seconds it is visible and in use (an input in the last minute, or
// a video playing), the furthest an article was scrolled, and the stretches of a video
// actually played — a seek starts a new stretch, so skipping to the end plays only the
// end. Every 15 seconds, and when the page is hidden, it reports them to the server,
// which believes no more time than has passed since the last report from any tab or
// device. A refused report is dropped, never resent; a report lost to the network is
// kept and sent with the next.
(() => {
  const lesson = document.getElementById("lesson");
  if (lesson && lesson.dataset.person === "true") sample(lesson);
  const deadline = document.getElementById("quiz-deadline");
  if (deadline) countdown(deadline);

  function sample(el) {
    const kind = el.dataset.kind;
    const url = el.dataset.report;
    const note = document.getElementById("lesson-note");
    const status = document.getElementById("lesson-status");
    const watchedOut = document.getElementById("watched");
    const article = el.querySelector(".article-body");
    const video = document.getElementById("lesson-video");
    const resumeAt = Number(el.dataset.position) || 0;
    let seconds = 0;
    let lastInput = Date.now();
    let maxScroll = 0;
    let position = resumeAt;
    let stretches = [];
    let current = null;
    let sending = false;

    const scrollPercent = () => {
      const target = article || el;
      const rect = target.getBoundingClientRect();
      if (rect.height <= 0) return 100;
      const seen = window.innerHeight - rect.top;
      return Math.max(0, Math.min(100, Math.round((seen / rect.height) * 100)));
    };
    const active = () =>
      document.visibilityState === "visible" &&
      ((video && !video.paused && !video.ended) || Date.now() - lastInput < 60000);

    ["scroll", "keydown", "pointerdown", "pointermove", "touchstart", "wheel"].forEach((ev) =>
      window.addEventListener(ev, () => { lastInput = Date.now(); }, { passive: true }));
    setInterval(() => {
      if (active()) seconds++;
      if (kind !== "video") {
        maxScroll = Math.max(maxScroll, scrollPercent());
        position = maxScroll;
      }
    }, 1000);

    if (kind === "article" && resumeAt > 0 && article) {
      const rect = article.getBoundingClientRect();
      window.scrollTo(0, window.scrollY + rect.top + (rect.height * resumeAt) / 100 - window.innerHeight);
    }
    if (video) {
      video.addEventListener("loadedmetadata", () => {
        if (resumeAt > 0 && resumeAt < video.duration - 1) video.currentTime = resumeAt;
      });
      video.addEventListener("timeupdate", () => {
        const t = video.currentTime;
        position = Math.floor(t);
        if (video.paused || video.seeking) return;
        if (current && t >= current[1] && t - current[1] < 1.5) {
          current[1] = t;
        } else {
          current = [t, t];
          stretches.push(current);
        }
      });
      video.addEventListener("seeking", () => { current = null; });
    }

    const report = (keepalive) => {
      if (sending) return;
      const watched = stretches
        .map((s) => [Math.floor(s[0]), Math.floor(s[1])])
        .filter((s) => s[1] > s[0]);
      const body = { seconds, scroll: kind === "video" ? 0 : maxScroll, position, at: new Date().toISOString() };
      if (watched.length) body.watched = watched;
      const sent = { seconds, stretches: stretches.length };
      sending = true;
      fetch(url, {
        method: "POST", credentials: "same-origin", keepalive: !!keepalive,
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => r.json().then((d) => ({ ok: r.ok, status: r.status, d })))
        .then(({ ok, status: code, d }) => {
          // Accepted or refused, those seconds are settled: never send them twice.
          seconds -= sent.seconds;
          stretches = stretches.slice(sent.stretches);
          if (current && !stretches.includes(current)) current = null;
          if (!ok) {
            if (note && code === 422) note.textContent = el.dataset.error;
            return;
          }
          if (note) note.textContent = "";
          if (watchedOut) watchedOut.textContent = String(d.watched_percent);
          if (d.completed && status && !status.firstChild) {
            const b = document.createElement("span");
            b.className = "badge stage-full";
            b.textContent = status.dataset.done;
            status.appendChild(b);
          }
        })
        .catch(() => {})
        .finally(() => { sending = false; });
    };

    report(false); // the page opened: the server starts counting from now
    setInterval(() => report(false), 15000);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") report(true);
    });
  }

  function countdown(el) {
    const out = document.getElementById("quiz-countdown");
    const form = document.getElementById("quiz-form");
    const end = Number(el.dataset.deadline) * 1000;
    let submitted = false;
    if (form) form.addEventListener("submit", () => { submitted = true; });
    const tick = () => {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      if (out) out.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      // Hand in what is answered just before the server's deadline.
      if (left <= 1 && form && !submitted) {
        submitted = true;
        form.requestSubmit();
      }
    };
    tick();
    setInterval(tick, 1000);
  }
})();
