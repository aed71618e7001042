"""Stores (C12): ``门店`` in the chat, and the actions the store jobs run — reading a traffic /
POS upload, the promotion photo check and the weekly "busy but not selling" alert."""
