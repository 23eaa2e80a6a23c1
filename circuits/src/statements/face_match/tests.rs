use super::*;
use crate::builder::WitnessBuilder;
use crate::check::modes_agree;
use crate::fault::{sample_wires, FaultCampaign};
use crate::gadgets::cosine::Products;
use crate::statements::face_embedding::tests::{tiny, tiny_faces};

fn satisfied(s: &FaceMatchStatement, input: &FaceMatchInput, public: FaceMatchPublic) -> bool {
    let mut b = WitnessBuilder::new();
    s.synthesize_claiming(&mut b, input, public).unwrap();
    b.finish().first_unsatisfied().is_none()
}

/// A selfie: the image with a few pixels changed (a camera never gives the same bytes twice).
fn selfie_of(img: &[u8]) -> Vec<u8> {
    img.iter()
        .enumerate()
        .map(|(i, &p)| if i % 7 == 0 { p.saturating_add(9) } else { p })
        .collect()
}

/// `(statement, input)` with `E` the embedding of face 0 and the selfie a changed copy of it, at
/// `tau` = their similarity (the largest accepted threshold).
fn matching() -> (FaceMatchStatement, FaceMatchInput, u16) {
    let s = FaceMatchStatement::new(tiny());
    let faces = tiny_faces();
    let e = s.face().embed(&faces[0]).unwrap();
    let selfie = selfie_of(&faces[0]);
    let t = s.face().embed(&selfie).unwrap();
    let sim = Products::of(&t, &e)
        .unwrap()
        .similarity()
        .expect("positive similarity");
    let tau = sim.min(65535) as u16;
    let input = s
        .input(selfie, e, Fr::from(5u64), tau, Fr::from(6u64))
        .unwrap();
    (s, input, tau)
}

#[test]
fn honest_match_satisfies() {
    let (s, input, tau) = matching();
    assert!(s.matches(&input));
    assert!(u32::from(tau) <= s.similarity(&input).unwrap());
    modes_agree(&s, &input).unwrap();
    assert_eq!(s.witness(&input).unwrap().first_unsatisfied(), None);
    let public = s.public_inputs(&input);
    assert_eq!(public[1], Fr::from(u64::from(tau)));
}

#[test]
fn a_threshold_above_the_similarity_is_unsatisfiable() {
    let (s, input, tau) = matching();
    let public = s.public_inputs(&input);
    if tau < u16::MAX {
        let mut bad = public;
        bad[1] = Fr::from(u64::from(tau) + 1);
        assert!(!satisfied(&s, &input, bad));
    }
    // Outside [0, 2^16): 2^16 and p - 1 ("-1", whose square is 1).
    for tau in [Fr::from(65536u64), -Fr::from(1u64)] {
        let mut bad = public;
        bad[1] = tau;
        assert!(!satisfied(&s, &input, bad));
    }
    // A lower threshold is a true (weaker) statement.
    let mut low = public;
    low[1] = Fr::from(0u64);
    assert!(satisfied(&s, &input, low));
}

#[test]
fn non_matching_pairs_are_unsatisfiable() {
    let s = FaceMatchStatement::new(tiny());
    let faces = tiny_faces();
    let e = s.face().embed(&faces[0]).unwrap();
    // The negated template: similarity below 0, no threshold matches.
    let neg: Vec<i8> = e.iter().map(|&v| v.saturating_neg()).collect();
    let input = s
        .input(faces[0].clone(), neg, Fr::from(5u64), 0, Fr::from(6u64))
        .unwrap();
    assert!(!s.matches(&input));
    assert!(s.witness(&input).unwrap().first_unsatisfied().is_some());
    // Another image's embedding at a threshold above their similarity.
    for other in &faces[1..] {
        let t = s.face().embed(other).unwrap();
        let Some(sim) = Products::of(&t, &e).unwrap().similarity() else {
            continue;
        };
        if sim >= 65535 {
            continue;
        }
        let tau = sim as u16 + 1;
        let input = s
            .input(
                other.clone(),
                e.clone(),
                Fr::from(5u64),
                tau,
                Fr::from(6u64),
            )
            .unwrap();
        assert!(!s.matches(&input));
        assert!(s.witness(&input).unwrap().first_unsatisfied().is_some());
    }
}

#[test]
fn wrong_c_emb_or_binding_claims_are_unsatisfiable_and_sizes_are_checked() {
    let (s, input, _) = matching();
    let public = s.public_inputs(&input);
    let mut bad = public;
    bad[0] += Fr::from(1u64);
    assert!(!satisfied(&s, &input, bad));
    // C_emb of the same E under another salt.
    let mut bad = public;
    bad[0] = s
        .face()
        .embedding_commitment(&s.face().embed(&tiny_faces()[0]).unwrap(), Fr::from(7u64))
        .unwrap();
    assert!(!satisfied(&s, &input, bad));
    assert_eq!(
        s.input(vec![0; 65], vec![0; 8], Fr::from(0u64), 0, Fr::from(0u64))
            .unwrap_err(),
        FaceSizeError {
            what: "image",
            got: 65,
            expected: 64
        }
    );
    assert_eq!(
        s.input(vec![0; 64], vec![0; 7], Fr::from(0u64), 0, Fr::from(0u64))
            .unwrap_err(),
        FaceSizeError {
            what: "embedding",
            got: 7,
            expected: 8
        }
    );
}

#[test]
fn fault_injection_finds_no_hole() {
    let (s, input, _) = matching();
    let campaign = FaultCampaign::new(&s, &input).unwrap();
    let wires = sample_wires(campaign.r1cs().n_wires, 300, 6);
    let report = campaign.run(&wires, 2);
    assert_eq!(report.faults, 600);
    assert!(
        report.holes().is_empty() && report.layout_changed.is_empty(),
        "holes {:?}, layout changed {:?}",
        report.holes(),
        report.layout_changed
    );
}

#[test]
fn the_input_prints_none_of_its_secrets() {
    let (_, input, _) = matching();
    assert_eq!(format!("{input:?}"), "FaceMatchInput { <redacted> }");
    let mut wiped = input.clone();
    wiped.zeroize();
    assert!(wiped.selfie.iter().all(|&p| p == 0) || wiped.selfie.is_empty());
    assert!(wiped.template.is_empty() && wiped.salt_emb == Fr::from(0u64));
    assert_eq!(
        (wiped.tau, wiped.binding),
        (input.tau, input.binding),
        "public, kept"
    );
}
