// 惠企 page behaviour: toasts, confirmations, copy buttons, ECharts from data attributes.
// No inline scripts anywhere (CSP script-src 'self'); pages pass data through data- attributes.
(function () {
  "use strict";

  function toast(message, level) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var el = document.createElement("div");
    el.className = "toast toast-" + (level || "info");
    el.setAttribute("role", level === "error" ? "alert" : "status");
    var msg = document.createElement("span");
    msg.className = "toast-msg";
    msg.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "关闭");
    close.textContent = "×";
    el.appendChild(msg);
    el.appendChild(close);
    box.appendChild(el);
    arm(el);
  }

  function arm(el) {
    // Errors stay until closed; other toasts fade after a while.
    if (!el.classList.contains("toast-error")) {
      setTimeout(function () { el.remove(); }, 6000);
    }
  }

  document.addEventListener("click", function (ev) {
    // One menu of the top bar open at a time; a click elsewhere closes them.
    document.querySelectorAll("details.navgroup[open], details.usermenu[open]").forEach(function (d) {
      if (!d.contains(ev.target)) { d.removeAttribute("open"); }
    });
    var close = ev.target.closest(".toast-close");
    if (close) { close.closest(".toast").remove(); return; }
    var copy = ev.target.closest("[data-copy]");
    if (copy) {
      var src = document.querySelector(copy.getAttribute("data-copy"));
      if (src && navigator.clipboard) {
        navigator.clipboard.writeText(src.textContent.trim()).then(function () { toast("已复制。", "success"); });
      }
    }
  });

  // <form data-confirm="…"> or <button data-confirm="…">: ask before submitting (htmx requests
  // use hx-confirm instead). "{n}" in the question is how many checkboxes named by the button's
  // data-count are ticked, or data-count-all when none is ("不选则全部").
  document.addEventListener("submit", function (ev) {
    var form = ev.target, button = ev.submitter;
    var question = (button && button.getAttribute("data-confirm")) ||
      (form.getAttribute && form.getAttribute("data-confirm"));
    if (!question) return;
    if (question.indexOf("{n}") >= 0 && button) {
      var name = button.getAttribute("data-count") || "";
      var ticked = form.querySelectorAll('input[type="checkbox"][name="' + name + '"]:checked').length;
      question = question.replace("{n}", String(ticked || button.getAttribute("data-count-all") || 0));
    }
    if (!window.confirm(question)) ev.preventDefault();
  }, true);

  // Server → toast: HX-Trigger: {"huiqi:toast": {"level": "error", "message": "…"}}
  document.addEventListener("huiqi:toast", function (ev) {
    var d = ev.detail || {};
    toast(d.message || d.value, d.level);
  });
  // Network failures and unexpected responses get a message too.
  document.addEventListener("htmx:sendError", function () { toast("网络连接失败，请检查网络后重试。", "error"); });

  // <div class="chart" data-echarts='{"xAxis": …}'>: ECharts option as JSON.
  function charts(root) {
    if (!window.echarts) return;
    (root || document).querySelectorAll("[data-echarts]").forEach(function (el) {
      if (el._chart) return;
      try {
        el._chart = window.echarts.init(el, null, { renderer: "svg" });
        el._chart.setOption(JSON.parse(el.getAttribute("data-echarts")));
      } catch (err) { el.textContent = "图表数据有误。"; }
    });
  }
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-echarts]").forEach(function (el) { if (el._chart) el._chart.resize(); });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#toasts .toast").forEach(arm);
    charts(document);
  });
  document.addEventListener("htmx:afterSettle", function (ev) { charts(ev.target); });

  window.huiqi = { toast: toast, charts: charts };
})();
