from arc2tf.cli import main

main()
