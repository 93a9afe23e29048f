/*
 * solve/solve — what every solver shares: answering at once, and the
 * optional journal operations dispatched to the solvers that have them.
 */
#include "solve/solve.h"

void solver_set_journal(struct solver *s, const struct solver_journal *j)
{
    if (s != NULL && s->set_journal != NULL)
        s->set_journal(s, j);
}

int solver_recover(struct solver *s, const json_t *presented, struct err *err)
{
    if (s == NULL || s->recover == NULL)
        return err_set(err, CP_EUSAGE, "only the hook solver can clean up what a hook presented");
    return s->recover(s, presented, err);
}

int solver_ready_now(struct solver *s, struct err *err)
{
    (void)s;
    (void)err;
    return CP_OK;
}
