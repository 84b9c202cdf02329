"""Regenerate cases.json: .arc inputs and what @architect/parser 8.0.1 makes of them.

The answers come from Architect's own parser, run with Node:

    mkdir -p /tmp/archparser && (cd /tmp/archparser && npm install @architect/parser@8.0.1)
    NODE_PATH=/tmp/archparser/node_modules python -m tests.parser_oracle.generate

tests/test_parse.py compares arc2tf's parser against every case. The inputs
are hand-picked edge cases plus seeded random manifests (same seed, same file).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent

EDGE_CASES = [
    "@app\nmyapp\n",
    "@app\nmyapp",
    "@app\r\nmyapp\r\n@http\r\nget /\r\n",
    "@app\rmyapp\r@http\rget /\r",
    "@app\nmyapp\n\n\n@http\n\nget /\n\npost /things/:id\n",
    "@app # the name\nmyapp # trailing\n# full line\n@http#x\nget /a#b\n",
    "@app\nx\n@p\none 2 -3 4.5 true false\n",
    "@p\n0x1F 0o17 0b101 1e3 1.5e-2 -.5 1. 007 -0 1e400 -Infinity Infinity 12345678901234567890\n",
    "@p\n- -- 1- 1.2.3 0x 1_000 +5 .5 1e 0xG -0x5\n",
    "@p\ntrue\tfalse\t\ntrueish falsey t f\n",
    "@p\n12\tx\n12\t\n",
    '@p\n"quoted # not a comment" \'single q\' `back tick`\n',
    '@p\nfoo"bar it\'s x`y\n',
    '@p\n"a\\"b" rest\n@q\nlost\n',
    "@p\n'multi\nline' x\n  after\n@q\ny\n",
    '@p\n"🤠 wide" {\n',
    "@p\n  \"uh oh\n",
    "\ufeff@app\nx\n",
    "@app\nx\n@app\ny\n",
    "@app\nx\n@app # again\ny\n",
    "@a\nx @b\n@c\nz\n",
    "@p\nvec\n  one\n  two\n  three\n",
    "@p\nvec\n\tone\n\ttwo\n",
    "@p\nvec\n  one two\n  three\n",
    "@p\nvec\n  # only a comment\nnext\n",
    "@p\nvec\n  \nnext\n",
    "@p\nname\n\n  value\n",
    "@p\nmap\n  key value\n  list 1 2 3\n  flag true\n",
    "@p\nmap\n  key value\n\n  later key\n",
    "@p\nmap\n  key value\n  key other\n",
    "@p\nmap\n  vec\n    one\n    two\n  key value\n",
    "@p\nm\n  k\n    v1\n    v2\n@q\na\nb c\n",
    "@p\nm\n  k\n    v1\n\n    v2\n  k2 x\nrest\n",
    "@p\nm\n  a b\n   three spaces\nrest\n",
    "@p\nm\n  a b\n      six\nrest\n",
    "@p\nm\n  a b\n uh oh\n",
    "@p\nm\n  a b\n    uh oh\n",
    "@p\nm\n  k v\n  lonely\n  x y\n",
    "@p\nm\n  k v\n  lonely\n",
    "@p\nfalse\n  one oh\n",
    "@p\n1\n  one\n  done\n",
    "@p\nmap\n  two space\n  true oh\n",
    "@p\nx\n  # c\n",
    "@p\nx\n  \n",
    "value\n@p\n",
    "# nothing\n",
    "",
    "@pragm&\n",
    "@sok sun\nx\n",
    "@ok-name_1 # comment\nx\n",
    "@\n",
    "@p\na\u00a0b\n",
    "@p\nok\n{bad}\n",
    "@p\n<x>\n",
    "@p\nsemi;colon\n",
    "@p\n\x00\n",
    "@p\na\tb\t\tc\n",
    "@p\n\tvec\n",
    "@http\nget /\npost /things/:id\nget /files/*\nany /catch/*\n",
    "@aws\nregion us-east-1\nprofile work\nruntime node\nlayers\n  arn:aws:lambda:us-east-1:1:layer:a:1\n"
    "  arn:aws:lambda:us-east-1:1:layer:b:2\npolicies\n  arn:aws:iam::aws:policy/X\n",
    "@tables\ndata\n  scopeID *String\n  dataID **String\n  ttl TTL\nmore\n  pk *Number\n",
    "@static\nfolder dist\nignore\n  a\n  b\nspa true\n",
    "@env\ntesting\n  FOO bar\n  MULTI a b c\nstaging\n  X 1\n",
]


def _random_manifest(rng: random.Random) -> str:
    lines = ["@app", "x"]
    used: set[str] = set()
    for _ in range(rng.randint(1, 25)):
        if rng.random() < 0.1:
            pragma = rng.choice(["http", "ws", "aws", "tables", "static", "events"])
            if pragma not in used:
                used.add(pragma)
                lines.append("@" + pragma + rng.choice(["", "", " # note"]))
            continue
        indent = rng.choice(["", "", "", "  ", "  ", "  ", "    ", "    ", " ", "   ", "\t", "\t\t"])
        words = " ".join(rng.choice(["a", "b", "k", "key", "1", "true", "false", "x#c", '"s s"', "'q q'",
                                     "-1", "v", "2.5", "/x/:y", "*String", "get"])
                         for _ in range(rng.choice([0, 1, 1, 1, 1, 2, 2, 3])))
        lines.append(indent + words + rng.choice(["", "", "", " # c", "  ", "#x"]))
    text = "\n".join(lines) + rng.choice(["", "\n", "\r\n", "  ", "\n\n"])
    return text.replace("\n", "\r\n") if rng.random() < 0.15 else text


def main() -> None:
    rng = random.Random(20261204)
    inputs = EDGE_CASES + [_random_manifest(rng) for _ in range(400)]
    env = dict(os.environ)
    answers = json.loads(subprocess.run(
        ["node", str(HERE / "oracle.js")], input=json.dumps(inputs), capture_output=True, text=True,
        check=True, env=env).stdout)
    cases = [{"input": text, **answer} for text, answer in zip(inputs, answers, strict=True)]
    (HERE / "cases.json").write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
