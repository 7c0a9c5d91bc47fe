"""Recognition: badges for milestones, kudos, leaderboards within fair groups."""
