# awk -v rows=N [-v dir=DIR] -f scripts/make-run-log.awk > log.csv: a run log v2 of N rows
# (100-epoch Adam runs over 50 rates × seeds, with validation), for timing `compare` on a
# sweep-sized log. With dir=DIR each run goes to DIR/<run_id>/run.csv instead (the layout of a
# sweep folder), and nothing is printed.
function hex12(n,    hi, lo) {
    # mawk's %x holds 32 bits only: two 24-bit halves, so every run gets its own 12-digit id.
    hi = int(n / 16777216); lo = n - hi * 16777216
    return sprintf("%06x%06x", hi, lo)
}
BEGIN {
    srand(1)
    header = "run_id,run,dataset,optimizer,schedule,lr0,batch_size,hidden,activation,seed,epoch,iteration,lr,train_cost,train_accuracy,val_cost,val_accuracy,test_cost,test_accuracy,seconds,flags"
    if (dir == "") print header
    epochs = 100
    runs = int(rows / epochs)
    for (r = 0; r < runs; r++) {
        id = hex12((r * 2654435761) % 281474976710656)
        lr = 0.0001 * (1 + r % 50); seed = 1 + int(r / 50)
        out = "/dev/stdout"
        if (dir != "") {
            system("mkdir -p '" dir "/" id "'")
            out = dir "/" id "/run.csv"
            print header > out
        }
        flags = sprintf("\"--dataset fashion --hidden 20,20,20,20 --activation relu --init he --batch-size 50 --epochs 100 --seed %d --validation 10000 --optimizer adam --lr %g --beta1 0.9 --beta2 0.999 --eps 1e-08 --weight-decay 0 --l1 0 --grad-noise 0 --schedule constant\"", seed, lr)
        name = sprintf("adam lr=%g validation=10000 seed=%d", lr, seed)
        for (e = 1; e <= epochs; e++)
            printf "%s,%s,fashion,adam,constant,%g,50,20-20-20-20,relu,%d,%d,%d,%g,%.16f,%.16f,%.16f,%.4f,%.16f,%.4f,%.4f,%s\n",
                id, name, lr, seed, e, e * 1000, lr, rand(), rand(), rand(), rand(), rand(), rand(), 0.1 + rand() / 10, flags > out
        if (dir != "") close(out)
    }
}
