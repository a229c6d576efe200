"""s2hand.render"""
