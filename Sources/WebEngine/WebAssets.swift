/// The pages' style and script, embedded in the binary (no CDN, no external request): served as
/// `/assets/live.css` and `/assets/live.js`, which the Content-Security-Policy allows as the
/// only style and script (`'self'`, no inline code).
public enum WebAssets {
    /// The Content-Security-Policy of every page: nothing but the gateway's own assets and its
    /// event streams; no inline script or style, no frames, no forms, no other origin.
    public static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// The style: one column on a phone (360 px and up), the two line-ups side by side when wider.
    public static let css = """
        *{box-sizing:border-box}
        body{margin:0;font:16px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;background:#eef1f4;color:#1c2430}
        main{max-width:44rem;margin:0 auto;padding:.75rem}
        a{color:#0b5cad}
        h1{font-size:1.3rem;margin:.2rem 0}
        h2{font-size:1rem;margin:1rem 0 .4rem;text-transform:uppercase;letter-spacing:.04em;color:#56606d}
        h3{font-size:1rem;margin:.2rem 0 .4rem}
        h4{font-size:.85rem;margin:.6rem 0 .2rem;color:#56606d}
        section,.matches li{background:#fff;border-radius:.6rem;box-shadow:0 1px 2px rgba(0,0,0,.12)}
        section{padding:.6rem .75rem;margin:.6rem 0}
        .back{margin:.2rem 0}
        .teams{display:grid;grid-template-columns:minmax(0,1fr) auto minmax(0,1fr);gap:.5rem;align-items:start;text-align:center}
        .team h1{font-size:1rem;overflow-wrap:break-word;hyphens:auto}
        .score{display:flex;flex-direction:column;align-items:center;max-width:7.5rem}
        .score .goals{font-size:2rem;font-weight:700;white-space:nowrap}
        .status{font-size:.8rem;font-weight:600;padding:.05rem .45rem;border-radius:.3rem;background:#dde3ea;text-align:center}
        .status.live{background:#c62828;color:#fff}
        .status.ended{background:#37474f;color:#fff}
        .scorers{list-style:none;margin:.2rem 0 0;padding:0;font-size:.8rem;color:#3c4653}
        .shootout,.lost{text-align:center;margin:.4rem 0 0;font-weight:600}
        .lost{color:#b26a00}
        .timeline{list-style:none;margin:0;padding:0}
        .timeline li{display:grid;grid-template-columns:3.2rem 1.6rem minmax(0,1fr);gap:.3rem;padding:.35rem 0;border-top:1px solid #e3e7ec;align-items:start}
        .timeline li:first-child{border-top:0}
        .timeline li.none{display:block}
        .clock{font-weight:700;color:#3c4653;white-space:nowrap}
        .text,.latest,.scorers li{overflow-wrap:anywhere}
        .icon{width:1.3rem;height:1.3rem;display:inline-block;border-radius:50%;background:#cfd8dc;margin-top:.1rem}
        .ev.goal .icon,.ev.penalty-goal .icon,.ev.kick-scored .icon{background:radial-gradient(circle,#fff 30%,#1c2430 32%,#1c2430 45%,#fff 47%);border:2px solid #1c2430}
        .ev.own-goal .icon{background:radial-gradient(circle,#fff 30%,#c62828 32%,#c62828 45%,#fff 47%);border:2px solid #c62828}
        .ev.yellow .icon{border-radius:.15rem;width:.9rem;background:#f9c802}
        .ev.second-yellow .icon{border-radius:.15rem;width:.9rem;background:linear-gradient(135deg,#f9c802 50%,#d32f2f 50%)}
        .ev.red .icon{border-radius:.15rem;width:.9rem;background:#d32f2f}
        .ev.substitution .icon{background:linear-gradient(180deg,#2e7d32 50%,#c62828 50%)}
        .ev.period .icon{background:#37474f}
        .ev.kick-missed .icon{background:#90a4ae}
        .ev.save .icon{background:#0b5cad}
        .lineups{display:grid;grid-template-columns:1fr;gap:.6rem}
        @media (min-width:560px){.lineups{grid-template-columns:1fr 1fr}}
        .players,.bench{list-style:none;margin:0;padding:0}
        .player{padding:.2rem 0;border-top:1px solid #eef1f4;overflow-wrap:anywhere}
        .player.substitute{padding-left:1rem}
        .player.sent-off .name{text-decoration:line-through}
        .pos{display:inline-block;min-width:2.6rem;font-size:.75rem;color:#56606d}
        .formation{font-weight:400;color:#56606d;font-size:.85rem}
        .star{color:#c79100;font-weight:700}
        .og{color:#c62828;font-size:.8rem}
        .card{display:inline-block;width:.6rem;height:.85rem;border-radius:.1rem;vertical-align:-.1rem}
        .card.yellow{background:#f9c802}
        .card.red{background:#d32f2f}
        .card.second-yellow{background:linear-gradient(135deg,#f9c802 50%,#d32f2f 50%)}
        .sub{font-size:.8rem;font-weight:600}
        .sub.on{color:#2e7d32}
        .sub.off{color:#c62828}
        .unknown{color:#56606d;font-style:italic}
        .stats{width:100%;border-collapse:collapse;text-align:center}
        .stats th{font-weight:400;color:#56606d;font-size:.85rem}
        .stats td{font-weight:700;width:3rem}
        .matches{list-style:none;margin:0;padding:0}
        .matches li{padding:.6rem .75rem;margin:.5rem 0;display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
        .matches a{font-weight:600;text-decoration:none;flex:1 1 14rem;min-width:0;overflow-wrap:anywhere}
        h3{overflow-wrap:anywhere}
        .latest{flex-basis:100%;font-size:.85rem;color:#3c4653}
        .offline{position:fixed;bottom:.5rem;left:50%;transform:translateX(-50%);background:#b26a00;color:#fff;padding:.3rem .8rem;border-radius:1rem}
        .hint{color:#56606d;font-size:.85rem;text-align:center}
        """

    /// The script: follows the page's event stream (the browser reconnects by itself and sends
    /// `Last-Event-ID`, so the gateway resends exactly what was missed) and puts in the parts
    /// each record carries; a timeline item already shown is never added twice, and items stay
    /// in sequence order (newest first).
    public static let javaScript = """
        "use strict";
        (function () {
          var main = document.querySelector("main[data-stream]");
          var url = main && main.getAttribute("data-stream");
          if (!url || !window.EventSource) { return; }
          var offline = document.querySelector(".offline");
          var source = new EventSource(url);
          main.dataset.live = "connecting";
          source.onopen = function () { offline.hidden = true; main.dataset.live = "open"; };
          source.onerror = function () {
            if (main.dataset.ended === "true") { return; }
            offline.hidden = false;
            // Closed for good (the gateway refused the stream): only a reload helps.
            main.dataset.live = source.readyState === EventSource.CLOSED ? "closed" : "reconnecting";
            if (source.readyState === EventSource.CLOSED) { offline.textContent = main.dataset.reload || offline.textContent; }
          };
          function put(id, html) {
            var node = document.getElementById(id);
            if (node && typeof html === "string") { node.innerHTML = html; }
          }
          function element(html) {
            var template = document.createElement("template");
            template.innerHTML = html;
            return template.content.firstElementChild;
          }
          source.addEventListener("event", function (message) {
            var data = JSON.parse(message.data);
            put("header", data.header);
            put("lineups", data.lineups);
            put("stats", data.stats);
            var list = document.getElementById("timeline");
            if (!list || document.getElementById("e" + data.seq)) { return; }
            var none = list.querySelector(".none");
            if (none) { none.remove(); }
            var before = null;
            for (var index = 0; index < list.children.length; index++) {
              if (Number(list.children[index].dataset.seq) < data.seq) { before = list.children[index]; break; }
            }
            list.insertBefore(element(data.item), before);
            main.dataset.last = String(data.seq);
          });
          source.addEventListener("status", function (message) {
            var data = JSON.parse(message.data);
            put("header", data.header);
            if (data.ended) { main.dataset.ended = "true"; offline.hidden = true; source.close(); }
          });
          source.addEventListener("match", function (message) {
            var data = JSON.parse(message.data);
            var list = document.getElementById("matches");
            if (!list) { return; }
            var row = element(data.row), old = document.getElementById("m" + data.id);
            if (old) { list.replaceChild(row, old); return; }
            var none = list.querySelector(".none");
            if (none) { none.remove(); }
            list.appendChild(row);
          });
        })();

        """
}
