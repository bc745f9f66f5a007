// Open XHTML pages in headless Chromium; for each element holding text, the platform fonts that
// drew it (DevTools CSS.getPlatformFontsForNode), and a screenshot of each page.
// usage: node fonts.cjs OUT_DIR PAGE.xhtml... ; prints JSON {page: [{text, fonts: [...]}]}
const puppeteer = require("puppeteer");
const path = require("path");

(async () => {
  const [outDir, ...pages] = process.argv.slice(2);
  const browser = await puppeteer.launch({
    executablePath: process.env.PUPPETEER_EXECUTABLE_PATH || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--allow-file-access-from-files"],
  });
  const result = {};
  try {
    for (const file of pages) {
      const page = await browser.newPage();
      await page.setViewport({ width: 600, height: 800 });
      await page.goto("file://" + path.resolve(file), { waitUntil: "load" });
      await page.evaluate(() => document.fonts.ready);
      const client = await page.target().createCDPSession();
      await client.send("DOM.enable");
      await client.send("CSS.enable");
      const { root } = await client.send("DOM.getDocument", { depth: -1 });
      const { nodeIds } = await client.send("DOM.querySelectorAll", { nodeId: root.nodeId, selector: "body *" });
      const nodes = [];
      for (const nodeId of nodeIds) {
        const { fonts } = await client.send("CSS.getPlatformFontsForNode", { nodeId });
        if (!fonts.length) continue;
        const { outerHTML } = await client.send("DOM.getOuterHTML", { nodeId });
        nodes.push({ html: outerHTML.slice(0, 200), fonts });
      }
      result[file] = nodes;
      await page.screenshot({ path: path.join(outDir, path.basename(file) + ".png"), fullPage: false });
      await page.close();
    }
  } finally {
    await browser.close();
  }
  process.stdout.write(JSON.stringify(result));
})().catch((err) => { console.error(err); process.exit(1); });
