"""H5 pages opened from the workbench and cards, and their static assets."""
