"""The chat edge: WeCom and DingTalk wire formats live here and nowhere else."""
