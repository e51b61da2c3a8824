package dev.larkhandoff.lark.im;

import java.util.List;

/**
 * What Lark could not do of a member add or remove; the other ids were applied.
 *
 * @param invalidIdList         ids that are malformed, not visible to the app, or (on remove) not in the chat
 * @param notExistedIdList      well-formed ids of nobody (add only)
 * @param pendingApprovalIdList people waiting for an owner's approval (add only)
 */
public record MemberChange(
        List<String> invalidIdList, List<String> notExistedIdList, List<String> pendingApprovalIdList) {

    public MemberChange {
        invalidIdList = invalidIdList == null ? List.of() : List.copyOf(invalidIdList);
        notExistedIdList = notExistedIdList == null ? List.of() : List.copyOf(notExistedIdList);
        pendingApprovalIdList = pendingApprovalIdList == null ? List.of() : List.copyOf(pendingApprovalIdList);
    }

    /** True when every id was applied. */
    public boolean complete() {
        return invalidIdList.isEmpty() && notExistedIdList.isEmpty() && pendingApprovalIdList.isEmpty();
    }
}
