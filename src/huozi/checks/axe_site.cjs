// axe-core on every page of a site, in headless Chromium, at each viewport width: huozi check's
// `axe` check of the html edition (checks/html_axe.py runs it with Puppeteer from DAISY Ace's
// node_modules on NODE_PATH). Each violation's elements are named by the manuscript line of the
// block holding them (data-line) and the article's file (data-src).
// usage: node axe_site.cjs PROFILE_DIR AXE_JS WIDTHS PAGE.html...   prints JSON
//   [{page, width, id, impact, help, nodes: [{html, line, source}]}]
const { launch } = require("./chromium.cjs");
const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");

(async () => {
  const [profile, axePath, widthList, ...pages] = process.argv.slice(2);
  const axeSource = fs.readFileSync(axePath, "utf8");
  const browser = await launch(profile);
  const found = [];
  try {
    const tab = await browser.newPage();
    for (const file of pages) {
      for (const width of widthList.split(",").map(Number)) {
        await tab.setViewport({ width, height: 900 });
        await tab.goto(pathToFileURL(path.resolve(file)).href, { waitUntil: "load" });
        await tab.evaluate(() => document.fonts.ready);
        await tab.evaluate(axeSource);
        const violations = await tab.evaluate(async () => {
          const result = await window.axe.run(document, { resultTypes: ["violations"] });
          const where = (selector) => {
            const element = document.querySelector(selector);
            const block = element && element.closest("[data-line]");
            const article = element && (element.closest("[data-src]") || document.querySelector("[data-src]"));
            return { line: block ? block.dataset.line : null, source: article ? article.dataset.src : null };
          };
          return result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map((n) => ({ html: n.html.slice(0, 300), ...where(n.target[0]) })),
          }));
        });
        for (const violation of violations) found.push({ page: path.basename(file), width, ...violation });
      }
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(found));
})().catch((err) => { console.error(err); process.exit(1); });
