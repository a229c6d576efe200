"""s2hand.config"""
