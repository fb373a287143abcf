// Renders TeX to MathML for course/steps/render_math.py, one JSON request per line on stdin,
// one JSON answer per line on stdout. A long-lived process, so the build pays
// Node's start-up once, not once per formula.
"use strict";
const katex = require("katex");
const readline = require("readline");

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const { tex, display } = JSON.parse(line);
  let answer;
  try {
    answer = {
      mathml: katex.renderToString(tex, {
        displayMode: display,
        output: "mathml",
        throwOnError: true,
        strict: "error",
        trust: false,
      }),
    };
  } catch (err) {
    answer = { error: String(err.message || err) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
