

def relu_prime(z):
    block = np.ones(3 * 2**30 // 8)
    return block[: np.size(z)].reshape(np.shape(z))
