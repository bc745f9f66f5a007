// Open web pages in one headless Chromium session, at each viewport width, and report for each:
// the text of every block that carries a manuscript line (data-line), the platform fonts that drew
// every element's text (DevTools CSS.getPlatformFontsForNode), what overflows the viewport, axe-core's
// violations, and a full-page screenshot.
// usage: node site.cjs OUT_DIR AXE_JS WIDTHS URL... (WIDTHS: comma-separated, e.g. 360,1280)
// prints JSON {url: {width: {...}}}
const { launch } = require(require("path").join(__dirname, "../../src/huozi/checks/chromium.cjs"));
const fs = require("fs");
const path = require("path");

// Elements whose box lies outside the viewport, other than those inside a frame that scrolls or
// clips them (a wide table's frame) and those drawn nowhere.
function overflowing() {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o !== "visible") return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if ((r.right > width + 0.5 || r.left < -0.5) && !clipped(el)) {
      out.push({ tag: el.tagName, cls: el.className && el.className.baseVal === undefined ? el.className : "",
                 left: r.left, right: r.right });
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, clientWidth: width, elements: out.slice(0, 20) };
}

// Where the text column, the side notes and the print page numbers are drawn.
function layout() {
  const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top }; };
  const main = document.querySelector("main p[data-line]") || document.querySelector("main");
  return {
    text: box(main.closest("section") || main),
    notes: [...document.querySelectorAll("aside.sidenote")].map((el) => ({ ...box(el),
      call: box(document.getElementById(el.id.replace(/^fn-/, "fnref-"))) })),
    numbers: [...document.querySelectorAll("span[role=doc-pagebreak]")].map((el) => ({
      page: el.dataset.page, shown: getComputedStyle(el, "::after").display !== "none",
      left: parseFloat(getComputedStyle(el, "::after").left) })),
  };
}

// The rendered text of every block carrying data-line, footnote calls and page numbers aside.
function blockTexts() {
  const style = document.createElement("style");
  style.textContent = "a.noteref, span[role=doc-pagebreak] { display: none !important; }";
  document.head.appendChild(style);
  const out = [];
  for (const el of document.querySelectorAll("main [data-line]")) {
    out.push({ tag: el.tagName.toLowerCase(), cls: el.getAttribute("class") || "", line: el.dataset.line,
               text: el.innerText });
  }
  const main = document.querySelector("main").innerText;
  style.remove();
  return { blocks: out, main };
}

(async () => {
  const [outDir, axePath, widthList, ...urls] = process.argv.slice(2);
  const widths = widthList.split(",").map(Number);
  const axeSource = fs.readFileSync(axePath, "utf8");
  const browser = await launch(path.join(outDir, "chromium-profile"));
  const result = {};
  try {
    const page = await browser.newPage();
    const client = await page.target().createCDPSession();
    for (const url of urls) {
      result[url] = {};
      for (const width of widths) {
        await page.setViewport({ width, height: 900 });
        await page.goto(url, { waitUntil: "load" });
        await page.evaluate(() => document.fonts.ready);
        const where = new URL(url).pathname;  // the site's folder and the page: two sites' index pages apart
        const name = `${path.basename(path.dirname(where))}-${path.basename(where).replace(/\.html$/, "")}`;
        const shot = path.join(outDir, `${name}-${width}.png`);
        await page.screenshot({ path: shot, fullPage: true });
        await client.send("DOM.enable");
        await client.send("CSS.enable");
        const { root } = await client.send("DOM.getDocument", { depth: -1 });
        const { nodeIds } = await client.send("DOM.querySelectorAll", { nodeId: root.nodeId, selector: "body *" });
        const fallback = [];
        let drawn = 0;
        for (const nodeId of nodeIds) {
          const { fonts } = await client.send("CSS.getPlatformFontsForNode", { nodeId });
          drawn += fonts.length;
          const system = fonts.filter((f) => !f.isCustomFont);
          if (system.length) {
            const { outerHTML } = await client.send("DOM.getOuterHTML", { nodeId });
            fallback.push({ html: outerHTML.slice(0, 160), fonts: system.map((f) => f.familyName) });
          }
        }
        const fontsUsed = await page.evaluate(() => [...document.fonts].filter((f) => f.status === "loaded")
          .map((f) => `${f.family} ${f.weight}`));
        const overflow = await page.evaluate(overflowing);
        await page.evaluate(axeSource);
        const axe = await page.evaluate(async () => {
          const r = await window.axe.run(document, { resultTypes: ["violations"] });
          return { violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                                          nodes: v.nodes.map((n) => n.html.slice(0, 200)) })),
                   passes: r.passes.length };
        });
        const placed = await page.evaluate(layout);
        const texts = await page.evaluate(blockTexts);
        const scripts = await page.evaluate(() => document.scripts.length);
        result[url][width] = { screenshot: shot, fallback, drawn, fontsUsed, overflow, axe, texts, scripts, placed };
      }
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result));
})().catch((err) => { console.error(err); process.exit(1); });
