"""s2hand.hand"""
