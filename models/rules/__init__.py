"""Message-center rules (C7) as data: trigger, threshold, schedule and recipients."""
