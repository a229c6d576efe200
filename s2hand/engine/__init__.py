"""s2hand.engine"""
