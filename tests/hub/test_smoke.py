from hub.models import Organization


def test_channel_tree_paths(channel):
    assert channel.dealer.path.startswith(channel.distributor.path)
    assert channel.distributor.path.startswith(channel.oem.path)
    assert isinstance(channel.dealer, Organization)
