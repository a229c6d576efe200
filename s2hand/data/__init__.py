"""s2hand.data"""
