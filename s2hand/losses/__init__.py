"""s2hand.losses"""
