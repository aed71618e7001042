"""Help, identity, photos and locations users send, and the polite answers for everything else."""
