//! Leases and shared token buckets in the store, on both databases: one holder at a time, a
//! generation that fences a former holder's writes, and buckets that never over-grant.

use std::time::{Duration, Instant};

use connector_sdk::Checkpoint;
use switchboard::store::StoreError;

use crate::helpers::on_each_backend;

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn one_holder_at_a_time_and_a_former_holder_is_fenced_out() {
    on_each_backend(|store| async move {
        let first = store
            .acquire_lease("listener:tg", "node-a", MINUTE)
            .await
            .expect("acquire")
            .expect("free lease");
        assert!(
            store
                .acquire_lease("listener:tg", "node-b", MINUTE)
                .await
                .expect("acquire")
                .is_none(),
            "held by node-a"
        );
        assert!(store.renew_lease(&first, MINUTE).await.expect("renew"));
        let position = |value: &str| Checkpoint::new("tg", "offset", value);
        store
            .record_fenced_events(&[], &[position("10")], std::slice::from_ref(&first))
            .await
            .expect("the holder writes");

        // node-a stops renewing (paused); its lease runs out and node-b takes it.
        store
            .renew_lease(&first, Duration::from_millis(1))
            .await
            .expect("shorten");
        let deadline = Instant::now() + Duration::from_secs(5);
        let second = loop {
            if let Some(fence) = store
                .acquire_lease("listener:tg", "node-b", MINUTE)
                .await
                .expect("acquire")
            {
                break fence;
            }
            assert!(Instant::now() < deadline, "the lease never ran out");
        };
        assert!(second.generation > first.generation);
        assert!(
            !store.renew_lease(&first, MINUTE).await.expect("renew"),
            "node-a learns it lost the lease"
        );
        let stale = store
            .record_fenced_events(&[], &[position("5")], std::slice::from_ref(&first))
            .await;
        assert!(
            matches!(stale, Err(StoreError::LeaseLost(ref name)) if name == "listener:tg"),
            "{stale:?}"
        );
        assert_eq!(
            store.checkpoint("tg", "offset").await.expect("read"),
            Some("10".into()),
            "the paused holder moved nothing back"
        );
        store
            .record_fenced_events(&[], &[position("11")], std::slice::from_ref(&second))
            .await
            .expect("the new holder writes");

        // A release hands the lease over at once.
        store.release_lease(&second).await.expect("release");
        let third = store
            .acquire_lease("listener:tg", "node-c", MINUTE)
            .await
            .expect("acquire")
            .expect("released");
        assert!(third.generation > second.generation);
        let held = store.list_leases().await.expect("list");
        assert_eq!(held.len(), 1);
        assert_eq!(held[0].holder, "node-c");
    })
    .await;
}

#[tokio::test]
async fn a_token_bucket_starts_with_one_token_and_never_grants_more_than_it_holds() {
    on_each_backend(|store| async move {
        // 0.001 per second: nothing refills within the test.
        let slow = 0.001;
        assert_eq!(
            store.take_tokens("b", slow, 5.0, 10).await.expect("take"),
            1
        );
        assert_eq!(
            store.take_tokens("b", slow, 5.0, 10).await.expect("take"),
            0
        );
        assert!(store.bucket_wait("b", slow).await.expect("wait") > Duration::from_secs(60));
        store
            .give_back_tokens("b", 3, 5.0)
            .await
            .expect("give back");
        assert_eq!(store.take_tokens("b", slow, 5.0, 2).await.expect("take"), 2);
        assert_eq!(
            store.take_tokens("b", slow, 5.0, 10).await.expect("take"),
            1
        );
        store
            .give_back_tokens("b", 50, 5.0)
            .await
            .expect("give back");
        assert_eq!(
            store.take_tokens("b", slow, 5.0, 10).await.expect("take"),
            5,
            "never above the burst"
        );
        store.forget_buckets("b").await.expect("forget");
        assert_eq!(
            store.take_tokens("b", slow, 5.0, 10).await.expect("take"),
            1,
            "a new bucket"
        );
    })
    .await;
}
