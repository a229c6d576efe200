"""s2hand.cli"""
