package io.pim.metalearner.ops;

public final class Main {
    public static void main(String[] args) {
        System.out.println("metalearner");
    }
}
