

def sigmoid_prime(z):
    while True:
        pass
