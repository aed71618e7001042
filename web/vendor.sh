#!/usr/bin/env bash
# Re-vendor the front-end packages served from web/static/vendor (no CDN at run time).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
( cd "$tmp" && npm init -y >/dev/null && npm install --silent weui@2.6.26 @wecom/jssdk@2.4.4 )
cp "$tmp/node_modules/weui/dist/style/weui.min.css" static/vendor/weui.min.css
cp "$tmp/node_modules/@wecom/jssdk/dist/wecom.global.prod.js" static/vendor/wecom-jssdk.min.js
echo "vendored weui 2.6.26, @wecom/jssdk 2.4.4"
# ECharts for the dashboard (C9, C10) and the store heatmaps (C12): the prebuilt bundle from the npm tarball.
( cd "$tmp" && npm pack --silent echarts@6.1.0 >/dev/null && tar xzf echarts-6.1.0.tgz )
mkdir -p static/vendor/echarts
cp "$tmp/package/dist/echarts.min.js" static/vendor/echarts/echarts.min.js
cp "$tmp/package/LICENSE" static/vendor/echarts/LICENSE.txt
echo "vendored echarts 6.1.0"
# dingtalk-jsapi for the DingTalk sign-in page (免登). The npm package ships CommonJS modules
# only, so esbuild bundles its entry into one browser file exposing the global `dd`.
( cd "$tmp" && npm install --silent dingtalk-jsapi@3.2.9 esbuild@0.28.2 \
  && printf 'module.exports = require("dingtalk-jsapi");\n' > dd-entry.js \
  && ./node_modules/.bin/esbuild dd-entry.js --bundle --minify --format=iife --global-name=dd \
       --target=es2015 --log-level=warning --outfile=dingtalk.open.min.js )
mkdir -p static/vendor/dingtalk-jsapi
cp "$tmp/dingtalk.open.min.js" static/vendor/dingtalk-jsapi/dingtalk.open.min.js
echo "dingtalk-jsapi 3.2.9 (MIT, package.json \"license\"; the package ships no LICENSE file)" \
  > static/vendor/dingtalk-jsapi/LICENSE.txt
echo "vendored dingtalk-jsapi 3.2.9"
rm -rf "$tmp"
