"""DingTalk: callback crypto, robot and event parsing into the neutral Event, the internal-app
client and the robot senders (PLATFORMS.md §4)."""
