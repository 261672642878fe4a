#!/usr/bin/env bash
# Builds the vendored front end into the repository's static/ folder.
#
#   frontend/build.sh        (from anywhere)
#
# 1. `npm ci` here in frontend/ (exact versions from package-lock.json; no
#    install scripts are run: nothing we use needs them).
# 2. Writes, and writes only:
#      static/govuk/govuk-frontend.min.css   GOV.UK Frontend + our additions, from scss/app.scss
#                                            (Arial; no GDS Transport; no source map)
#      static/govuk/govuk-frontend.min.js    GOV.UK Frontend ES module build
#      static/govuk/assets/images/           dist images minus GOV.UK/crown branding, plus ours
#      static/govuk/assets/manifest.json     icons that are actually shipped
#      static/govuk/LICENSE.txt              GOV.UK Frontend licence (MIT)
#      static/htmx/htmx.min.js               htmx 2.0.x
#      static/htmx/LICENSE                   htmx licence (0BSD)
#      static/js/app.mjs                     from js/app.mjs (calls initAll)
#      tests/e2e/vendor/axe.min.js           axe-core, injected by the accessibility test
#                                            (tests/e2e/test_accessibility.py); never served
#      tests/e2e/vendor/axe-core-LICENSE.txt axe-core licence (MPL-2.0)
#      tests/e2e/vendor/axe-core-VERSION     the vendored axe-core version
#
# The outputs are committed ("vendored"); node_modules is not.
#
# This service is not on GOV.UK, so it must not use GOV.UK branding: the GDS
# Transport font and the crown/crest images are left out (see
# https://www.gov.uk/guidance/use-govuk-domains-and-the-govuk-design-system).

set -euo pipefail

FRONTEND_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT_DIR="$(cd -- "${FRONTEND_DIR}/.." && pwd -P)"
STATIC_DIR="${ROOT_DIR}/static"

GOVUK_DIST="${FRONTEND_DIR}/node_modules/govuk-frontend/dist/govuk"
HTMX_PKG="${FRONTEND_DIR}/node_modules/htmx.org"
AXE_PKG="${FRONTEND_DIR}/node_modules/axe-core"
VENDOR_DIR="${ROOT_DIR}/tests/e2e/vendor"

# Images in GOV.UK Frontend's dist that carry GOV.UK / crown branding
# (favicons and app icons are the crown; the crest is the royal arms).
is_branded_image() {
  case "$1" in
    favicon.* | govuk-* | *crown* | *crest*) return 0 ;;
    *) return 1 ;;
  esac
}

fail() {
  echo "build.sh: $*" >&2
  exit 1
}

[[ -d "${STATIC_DIR}" ]] || mkdir -p "${STATIC_DIR}"

echo "==> npm ci (${FRONTEND_DIR})"
(cd "${FRONTEND_DIR}" && npm ci --no-audit --no-fund --ignore-scripts)

GOVUK_VERSION="$(node -p 'require(process.argv[1]).version' "${FRONTEND_DIR}/node_modules/govuk-frontend/package.json")"
HTMX_VERSION="$(node -p 'require(process.argv[1]).version' "${HTMX_PKG}/package.json")"
AXE_VERSION="$(node -p 'require(process.argv[1]).version' "${AXE_PKG}/package.json")"
[[ "${HTMX_VERSION}" == 2.0.* ]] || fail "htmx.org must be 2.0.x (templates and litestar-htmx assume htmx 2), got ${HTMX_VERSION}"

# Start from clean output folders so files removed upstream do not linger.
# Only the folders this script owns are removed.
rm -rf -- "${STATIC_DIR}/govuk" "${STATIC_DIR}/htmx"
mkdir -p "${STATIC_DIR}/govuk/assets/images" "${STATIC_DIR}/htmx" "${STATIC_DIR}/js"

echo "==> sass: scss/app.scss -> static/govuk/govuk-frontend.min.css (govuk-frontend ${GOVUK_VERSION})"
"${FRONTEND_DIR}/node_modules/.bin/sass" \
  --pkg-importer=node \
  --load-path="${FRONTEND_DIR}/scss" \
  --style=compressed \
  --no-source-map \
  --quiet-deps \
  "${FRONTEND_DIR}/scss/app.scss" "${STATIC_DIR}/govuk/govuk-frontend.min.css"

CSS="${STATIC_DIR}/govuk/govuk-frontend.min.css"
if grep -q "GDS Transport" "${CSS}"; then
  fail "the compiled CSS names GDS Transport; check \$govuk-font-family in scss/app.scss"
fi
if grep -q "@font-face" "${CSS}"; then
  fail "the compiled CSS has @font-face rules; check \$govuk-include-default-font-face"
fi
if grep -qE "url\([\"']?(https?:)?//" "${CSS}"; then
  fail "the compiled CSS refers to another host"
fi

echo "==> govuk-frontend.min.js (ES module)"
# Drop the sourceMappingURL comment: the .map file is not shipped.
sed -e 's@//# sourceMappingURL=[^[:space:]]*$@@' \
  "${GOVUK_DIST}/govuk-frontend.min.js" >"${STATIC_DIR}/govuk/govuk-frontend.min.js"

echo "==> assets/images (without GOV.UK/crown branding)"
shopt -s nullglob
for image in "${GOVUK_DIST}/assets/images/"*; do
  name="$(basename -- "${image}")"
  if is_branded_image "${name}"; then
    echo "    skipped (branded): ${name}"
  else
    cp -- "${image}" "${STATIC_DIR}/govuk/assets/images/${name}"
  fi
done
for image in "${FRONTEND_DIR}/images/"*; do
  cp -- "${image}" "${STATIC_DIR}/govuk/assets/images/"
done
shopt -u nullglob

echo "==> assets/manifest.json (only the icons that are shipped)"
node - "${GOVUK_DIST}/assets/manifest.json" "${STATIC_DIR}/govuk/assets" <<'JS'
const fs = require("node:fs");
const path = require("node:path");
const [source, outDir] = process.argv.slice(2);
const manifest = JSON.parse(fs.readFileSync(source, "utf8"));
const shipped = (icon) => fs.existsSync(path.join(outDir, icon.src));
manifest.icons = (manifest.icons || []).filter(shipped);
manifest.icons.push({ src: "images/app-icon.svg", type: "image/svg+xml", sizes: "any", purpose: "any" });
fs.writeFileSync(path.join(outDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
JS

echo "==> htmx ${HTMX_VERSION}"
sed -e 's@//# sourceMappingURL=[^[:space:]]*$@@' \
  "${HTMX_PKG}/dist/htmx.min.js" >"${STATIC_DIR}/htmx/htmx.min.js"

echo "==> js/app.mjs"
cp -- "${FRONTEND_DIR}/js/app.mjs" "${STATIC_DIR}/js/app.mjs"

echo "==> licences"
# The govuk-frontend npm package has no licence file; ours is a copy of
# LICENSE.txt from github.com/alphagov/govuk-frontend.
cp -- "${FRONTEND_DIR}/licenses/govuk-frontend-LICENSE.txt" "${STATIC_DIR}/govuk/LICENSE.txt"
cp -- "${HTMX_PKG}/LICENSE" "${STATIC_DIR}/htmx/LICENSE"

echo "==> axe-core ${AXE_VERSION} -> tests/e2e/vendor (for the accessibility test only)"
mkdir -p "${VENDOR_DIR}"
cp -- "${AXE_PKG}/axe.min.js" "${VENDOR_DIR}/axe.min.js"
cp -- "${AXE_PKG}/LICENSE" "${VENDOR_DIR}/axe-core-LICENSE.txt"
echo "${AXE_VERSION}" >"${VENDOR_DIR}/axe-core-VERSION"

[[ ! -e "${STATIC_DIR}/govuk/assets/fonts" ]] || fail "fonts must not be shipped"

echo "==> done: govuk-frontend ${GOVUK_VERSION}, htmx.org ${HTMX_VERSION}, axe-core ${AXE_VERSION}"
(cd "${ROOT_DIR}" && find static/govuk static/htmx static/js/app.mjs tests/e2e/vendor -type f -print0 | sort -z | xargs -0 ls -l)
