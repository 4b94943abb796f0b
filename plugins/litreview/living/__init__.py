"""A living review: chapter currency dates, versions from git, the evidence diff, What's new, feed and citation."""
