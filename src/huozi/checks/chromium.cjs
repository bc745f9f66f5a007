// Debian's Chromium, headless, through Puppeteer (found on NODE_PATH): one launch for huozi
// check's axe script (axe_site.cjs) and the tests' browser driver (tests/browser/site.cjs), so
// both run the browser the same way. The profile folder keeps Chromium out of $HOME.
const puppeteer = require("puppeteer");

exports.launch = (profile) => puppeteer.launch({
  executablePath: process.env.PUPPETEER_EXECUTABLE_PATH || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         `--user-data-dir=${profile}`],
});
