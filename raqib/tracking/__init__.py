"""tracking."""

# The data associations a tracker can run (TrackerConfig.association, `raqib track
# --association`, a site file's [tracker] table): global nearest neighbour in every cluster of
# conflicting tracks, or JPDA's soft weights where several tracks compete for several plots.
# Here, without the heavy modules, so that the site file and the command line can check a name.
ASSOCIATIONS = ("gnn", "jpda")
