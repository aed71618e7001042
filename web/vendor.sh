#!/usr/bin/env bash
# Re-vendor the front-end packages served from web/static/vendor (no CDN at run time).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
( cd "$tmp" && npm init -y >/dev/null && npm install --silent weui@2.6.26 @wecom/jssdk@2.4.4 echarts@5.6.0 )
cp "$tmp/node_modules/weui/dist/style/weui.min.css" static/vendor/weui.min.css
cp "$tmp/node_modules/@wecom/jssdk/dist/wecom.global.prod.js" static/vendor/wecom-jssdk.min.js
cp "$tmp/node_modules/echarts/dist/echarts.min.js" static/vendor/echarts.min.js
cp "$tmp/node_modules/echarts/LICENSE" static/vendor/LICENSE.echarts.txt
rm -rf "$tmp"
echo "vendored weui 2.6.26, @wecom/jssdk 2.4.4, echarts 5.6.0"
